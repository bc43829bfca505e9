// Group 2 shifts/rotates and SHLD/SHRD. Expected values follow the SDM's definitions (Vol.2
// SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD); cases where the SDM says "undefined" name the
// Intel behaviour we chose (see src/cpu/ops/shift.ts) in the test title.

import { describe, expect, it } from "vitest";
import { Reg } from "../../src/cpu/constants.js";
import { AF, ARITH, CF, OF, PF, peek32, run32, runner32, SF, ZF } from "./arith.helpers.js";

const CO = CF | OF;

describe("SHL/SAL", () => {
  it("d3 e0 shl eax,cl: cl=33 masks to 1, 0x80000001 → 2, CF=1 OF=1 (MSB^CF)", () => {
    const { r, flags } = run32([0xd3, 0xe0], { regs: { [Reg.EAX]: 0x80000001, [Reg.ECX]: 33 } });
    expect(r(Reg.EAX)).toBe(2);
    expect(flags & ARITH).toBe(CF | OF);
  });
  it("d3 e0 shl eax,cl: cl=32 masks to 0 → operand and every flag unchanged", () => {
    const { r, flags } = run32([0xd3, 0xe0], { regs: { [Reg.EAX]: 0x12345678, [Reg.ECX]: 32 }, flags: CF | ZF | OF | AF });
    expect(r(Reg.EAX)).toBe(0x12345678);
    expect(flags & ARITH).toBe(CF | ZF | OF | AF);
  });
  it("c1 e0 00 shl eax,0 → flags unchanged (all set stay set)", () => {
    const { r, flags } = run32([0xc1, 0xe0, 0x00], { regs: { [Reg.EAX]: 1 }, flags: ARITH });
    expect(r(Reg.EAX)).toBe(1);
    expect(flags & ARITH).toBe(ARITH);
  });
  it("d1 f0 sal eax,1 (/6 alias): 0x40000000 → 0x80000000, SF=1 OF=1 CF=0, AF=0 (chosen)", () => {
    const { r, flags } = run32([0xd1, 0xf0], { regs: { [Reg.EAX]: 0x40000000 }, flags: AF });
    expect(r(Reg.EAX)).toBe(0x80000000);
    expect(flags & ARITH).toBe(SF | OF | PF);
  });
  it("c0 e0 08 shl al,8 (count = width): al=0x81 → 0, CF=1 (last bit out) ZF=1 PF=1", () => {
    const { r, flags } = run32([0xc0, 0xe0, 0x08], { regs: { [Reg.EAX]: 0xaabbcc81 } });
    expect(r(Reg.EAX)).toBe(0xaabbcc00);
    expect(flags & (CF | ZF | PF | SF)).toBe(CF | ZF | PF);
  });
  it("66 c1 e0 11 shl ax,17 (count > width): ax=0xffff → 0, CF=0 OF=0, upper half kept", () => {
    const { r, flags } = run32([0x66, 0xc1, 0xe0, 0x11], { regs: { [Reg.EAX]: 0x1234ffff }, flags: CF | OF });
    expect(r(Reg.EAX)).toBe(0x12340000);
    expect(flags & (CF | OF | ZF)).toBe(ZF);
  });
  it("d0 e4 shl ah,1: ax=0x80ff → ah 0, CF=1, al untouched", () => {
    const { r, flags } = run32([0xd0, 0xe4], { regs: { [Reg.EAX]: 0x80ff } });
    expect(r(Reg.EAX)).toBe(0x00ff);
    expect(flags & (CF | ZF | OF)).toBe(CF | ZF | OF);
  });
  it("d1 23 shl dword [ebx],1: memory 0xc0000001 → 0x80000002, CF=1 OF=0", () => {
    const { mem, flags } = run32([0xd1, 0x23], { regs: { [Reg.EBX]: 0x3000 }, mem: [[0x3000, [0x01, 0, 0, 0xc0]]] });
    expect(peek32(mem, 0x3000)).toBe(0x80000002);
    expect(flags & (CF | OF | SF)).toBe(CF | SF);
  });
});

describe("SHR/SAR", () => {
  it("d1 e8 shr eax,1: 0x80000001 → 0x40000000, CF=1, OF=1 (original MSB)", () => {
    const { r, flags } = run32([0xd1, 0xe8], { regs: { [Reg.EAX]: 0x80000001 } });
    expect(r(Reg.EAX)).toBe(0x40000000);
    expect(flags & ARITH).toBe(CF | OF | PF);
  });
  it("c1 e8 04 shr eax,4: 0x8000000f → 0x08000000, CF=1 (bit 3), OF=0 for count > 1", () => {
    const { r, flags } = run32([0xc1, 0xe8, 0x04], { regs: { [Reg.EAX]: 0x8000000f }, flags: OF });
    expect(r(Reg.EAX)).toBe(0x08000000);
    expect(flags & (CF | OF | SF | ZF)).toBe(CF);
  });
  it("c0 e8 09 shr al,9 (count > width): al=0xff → 0, CF=0 ZF=1", () => {
    const { r, flags } = run32([0xc0, 0xe8, 0x09], { regs: { [Reg.EAX]: 0xff }, flags: CF });
    expect(r(Reg.EAX)).toBe(0);
    expect(flags & (CF | ZF)).toBe(ZF);
  });
  it("d1 f8 sar eax,1: 0x80000001 → 0xc0000000, CF=1 SF=1 OF=0", () => {
    const { r, flags } = run32([0xd1, 0xf8], { regs: { [Reg.EAX]: 0x80000001 }, flags: OF });
    expect(r(Reg.EAX)).toBe(0xc0000000);
    expect(flags & (CF | SF | OF | ZF)).toBe(CF | SF);
  });
  it("c0 f8 1f sar al,31: al=0x80 → 0xff, CF=1 (sign bits shift out)", () => {
    const { r, flags } = run32([0xc0, 0xf8, 0x1f], { regs: { [Reg.EAX]: 0x80 } });
    expect(r(Reg.EAX)).toBe(0xff);
    expect(flags & (CF | SF | ZF)).toBe(CF | SF);
  });
  it("66 d3 f8 sar ax,cl: ax=0x7000 cl=14 → 1, CF=1 (bit 13)", () => {
    const { r, flags } = run32([0x66, 0xd3, 0xf8], { regs: { [Reg.EAX]: 0x7000, [Reg.ECX]: 14 } });
    expect(r(Reg.EAX)).toBe(1);
    expect(flags & (CF | SF | ZF)).toBe(CF);
  });
});

describe("ROL/ROR", () => {
  it("d1 c0 rol eax,1: 0x80000000 → 1, CF=1 OF=1; SF ZF PF AF keep their values", () => {
    const { r, flags } = run32([0xd1, 0xc0], { regs: { [Reg.EAX]: 0x80000000 }, flags: ZF | PF | AF });
    expect(r(Reg.EAX)).toBe(1);
    expect(flags & ARITH).toBe(CF | OF | ZF | PF | AF);
  });
  it("c0 c0 08 rol al,8: value unchanged but CF = LSB = 1 (masked count is nonzero)", () => {
    const { r, flags } = run32([0xc0, 0xc0, 0x08], { regs: { [Reg.EAX]: 0x01 } });
    expect(r(Reg.EAX)).toBe(0x01);
    expect(flags & CF).toBe(CF);
  });
  it("66 c1 c0 04 rol ax,4: 0x1234 → 0x2341, CF=1", () => {
    const { r, flags } = run32([0x66, 0xc1, 0xc0, 0x04], { regs: { [Reg.EAX]: 0xffff1234 } });
    expect(r(Reg.EAX)).toBe(0xffff2341);
    expect(flags & CF).toBe(CF);
  });
  it("d1 c8 ror eax,1: 1 → 0x80000000, CF=1 OF=1 (bit31 ^ bit30)", () => {
    const { r, flags } = run32([0xd1, 0xc8], { regs: { [Reg.EAX]: 1 } });
    expect(r(Reg.EAX)).toBe(0x80000000);
    expect(flags & CO).toBe(CO);
  });
  it("d2 c8 ror al,cl: al=0x81 cl=0x21 (masked 1) → 0xc0, CF=1 OF=0", () => {
    const { r, flags } = run32([0xd2, 0xc8], { regs: { [Reg.EAX]: 0x81, [Reg.ECX]: 0x21 }, flags: OF });
    expect(r(Reg.EAX)).toBe(0xc0);
    expect(flags & CO).toBe(CF);
  });
  it("d3 c8 ror eax,cl: cl=0 → CF and OF unchanged", () => {
    const { r, flags } = run32([0xd3, 0xc8], { regs: { [Reg.EAX]: 3 }, flags: OF });
    expect(r(Reg.EAX)).toBe(3);
    expect(flags & CO).toBe(OF);
  });
});

describe("RCL/RCR", () => {
  it("d1 d0 rcl eax,1 with CF=1: 0x80000000 → 1, CF=1 OF=1", () => {
    const { r, flags } = run32([0xd1, 0xd0], { regs: { [Reg.EAX]: 0x80000000 }, flags: CF });
    expect(r(Reg.EAX)).toBe(1);
    expect(flags & CO).toBe(CO);
  });
  it("d0 d0 rcl al,1 with CF=0: al=0x80 → 0, CF=1 OF=1", () => {
    const { r, flags } = run32([0xd0, 0xd0], { regs: { [Reg.EAX]: 0x80 } });
    expect(r(Reg.EAX)).toBe(0);
    expect(flags & CO).toBe(CO);
  });
  it("c0 d0 09 rcl al,9: rotates by 9 mod 9 = 0, al and CF unchanged", () => {
    const { r, flags } = run32([0xc0, 0xd0, 0x09], { regs: { [Reg.EAX]: 0x55 }, flags: CF });
    expect(r(Reg.EAX)).toBe(0x55);
    expect(flags & CF).toBe(CF);
  });
  it("c0 d0 0a rcl al,10 = rcl by 1: al=0x55 CF=1 → 0xab, CF=0", () => {
    const { r, flags } = run32([0xc0, 0xd0, 0x0a], { regs: { [Reg.EAX]: 0x55 }, flags: CF });
    expect(r(Reg.EAX)).toBe(0xab);
    expect(flags & CF).toBe(0);
  });
  it("c1 d0 1f rcl eax,31 (33-bit rotation): eax=1 CF=0 → 0x80000000, CF=0", () => {
    const { r, flags } = run32([0xc1, 0xd0, 0x1f], { regs: { [Reg.EAX]: 1 }, flags: OF });
    expect(r(Reg.EAX)).toBe(0x80000000);
    expect(flags & CF).toBe(0);
  });
  it("c1 d8 1f rcr eax,31 (33-bit rotation): eax=0x80000000 CF=1 → 3, CF=0", () => {
    const { r, flags } = run32([0xc1, 0xd8, 0x1f], { regs: { [Reg.EAX]: 0x80000000 }, flags: CF });
    expect(r(Reg.EAX)).toBe(3);
    expect(flags & CF).toBe(0);
  });
  it("66 d1 d8 rcr ax,1 with CF=1: ax=1 → 0x8000, CF=1 OF=1 (bit15 ^ bit14)", () => {
    const { r, flags } = run32([0x66, 0xd1, 0xd8], { regs: { [Reg.EAX]: 1 }, flags: CF });
    expect(r(Reg.EAX)).toBe(0x8000);
    expect(flags & CO).toBe(CO);
  });
  it("66 c1 d8 11 rcr ax,17: rotates by 17 mod 17 = 0, ax and CF unchanged", () => {
    const { r, flags } = run32([0x66, 0xc1, 0xd8, 0x11], { regs: { [Reg.EAX]: 0x1234 } });
    expect(r(Reg.EAX)).toBe(0x1234);
    expect(flags & CF).toBe(0);
  });
  it("66 c1 d8 10 rcr ax,16: ax=0x0001 CF=1 → 0x0003, CF=0 (17-bit rotation)", () => {
    const { r, flags } = run32([0x66, 0xc1, 0xd8, 0x10], { regs: { [Reg.EAX]: 1 }, flags: CF });
    // CF:AX = 1:0001 rotated right 16 in 17 bits = rotated left 1: AX = 0003, CF = old bit 15 = 0.
    expect(r(Reg.EAX)).toBe(3);
    expect(flags & CF).toBe(0);
  });
});

describe("SHLD/SHRD", () => {
  it("0f a4 d8 04 shld eax,ebx,4: 0x12345678,0x9abcdef0 → 0x23456789, CF=1", () => {
    const { r, flags } = run32([0x0f, 0xa4, 0xd8, 0x04], { regs: { [Reg.EAX]: 0x12345678, [Reg.EBX]: 0x9abcdef0 } });
    expect(r(Reg.EAX)).toBe(0x23456789);
    expect(r(Reg.EBX)).toBe(0x9abcdef0);
    expect(flags & (CF | SF | ZF | PF)).toBe(CF);
  });
  it("0f ad d8 shrd eax,ebx,cl: cl=8 → 0xf0123456, CF=0 SF=1", () => {
    const { r, flags } = run32([0x0f, 0xad, 0xd8], { regs: { [Reg.EAX]: 0x12345678, [Reg.EBX]: 0x9abcdef0, [Reg.ECX]: 8 } });
    expect(r(Reg.EAX)).toBe(0xf0123456);
    expect(flags & (CF | SF | ZF)).toBe(SF);
  });
  it("0f a5 d8 shld eax,ebx,cl: cl=0x20 masks to 0 → nothing changes", () => {
    const { r, flags } = run32([0x0f, 0xa5, 0xd8], { regs: { [Reg.EAX]: 5, [Reg.EBX]: -1, [Reg.ECX]: 0x20 }, flags: ZF });
    expect(r(Reg.EAX)).toBe(5);
    expect(flags & ARITH).toBe(ZF);
  });
  it("0f a4 d8 01 shld eax,ebx,1: sign change 0x40000000 → 0x80000001, OF=1 CF=0", () => {
    const { r, flags } = run32([0x0f, 0xa4, 0xd8, 0x01], { regs: { [Reg.EAX]: 0x40000000, [Reg.EBX]: 0x80000000 } });
    expect(r(Reg.EAX)).toBe(0x80000001);
    expect(flags & CO).toBe(OF);
  });
  it("0f ac 03 01 shrd [ebx],eax,1: memory 1 with eax=1 → 0x80000000, CF=1 OF=1", () => {
    const { mem, flags } = run32([0x0f, 0xac, 0x03, 0x01], { regs: { [Reg.EAX]: 1, [Reg.EBX]: 0x3000 }, mem: [[0x3000, [1, 0, 0, 0]]] });
    expect(peek32(mem, 0x3000)).toBe(0x80000000);
    expect(flags & CO).toBe(CO);
  });
  it("66 0f a4 d8 08 shld ax,bx,8: 0x1234,0x5678 → 0x3456, CF=0", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xa4, 0xd8, 0x08], { regs: { [Reg.EAX]: 0x1234, [Reg.EBX]: 0x5678 } });
    expect(r(Reg.EAX)).toBe(0x3456);
    expect(flags & CF).toBe(0);
  });
  it("66 0f a4 d8 14 shld ax,bx,20 (count > 16, P6 dest:src:dest): 0x1234,0x5678 → 0x6781, CF=1", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xa4, 0xd8, 0x14], { regs: { [Reg.EAX]: 0x1234, [Reg.EBX]: 0x5678 } });
    expect(r(Reg.EAX)).toBe(0x6781);
    expect(flags & CF).toBe(CF);
  });
  it("66 0f ac d8 14 shrd ax,bx,20 (count > 16, P6 dest:src:dest): 0x1234,0x5678 → 0x4567, CF=1", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xac, 0xd8, 0x14], { regs: { [Reg.EAX]: 0x1234, [Reg.EBX]: 0x5678 } });
    expect(r(Reg.EAX)).toBe(0x4567);
    expect(flags & CF).toBe(CF);
  });
  it("66 0f ac d8 10 shrd ax,bx,16: ax becomes bx, CF = bit 15 of ax", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xac, 0xd8, 0x10], { regs: { [Reg.EAX]: 0x8000, [Reg.EBX]: 0x5678 } });
    expect(r(Reg.EAX)).toBe(0x5678);
    expect(flags & CF).toBe(CF);
  });
});

describe("shifts against a bit-serial model of the SDM pseudocode", () => {
  // The SDM describes each operation as a loop of one-bit steps; this model follows that loop,
  // independently of the closed forms in shift.ts. Checked: result and CF for every count 1..31.
  function model(op: number, bits: number, v: number, count: number, cf: number): [number, number] {
    const top = 2 ** (bits - 1), mod = 2 ** bits;
    let x = v, c = cf;
    let n = count;
    if (op === 2) n = bits === 32 ? count : count % (bits + 1);
    if (op === 3) n = bits === 32 ? count : count % (bits + 1);
    for (let i = 0; i < n; i++) {
      const msb = x >= top ? 1 : 0, lsb = x % 2;
      switch (op) {
        case 0: x = (x * 2) % mod + msb; c = x % 2; break; // ROL
        case 1: x = Math.floor(x / 2) + lsb * top; c = x >= top ? 1 : 0; break; // ROR
        case 2: x = (x * 2) % mod + c; c = msb; break; // RCL
        case 3: x = Math.floor(x / 2) + c * top; c = lsb; break; // RCR
        case 4: c = msb; x = (x * 2) % mod; break; // SHL
        case 5: c = lsb; x = Math.floor(x / 2); break; // SHR
        case 7: c = lsb; x = Math.floor(x / 2) + msb * top; break; // SAR
      }
    }
    return [x, c];
  }
  const values = [0, 1, 0x80, 0x55, 0xa5, 0x8001, 0x7fff, 0x12345678, 0x80000001, 0xfedcba98];
  for (const [bits, prefix, opc] of [[8, [], 0xd2], [16, [0x66], 0xd3], [32, [], 0xd3]] as const) {
    for (const op of [0, 1, 2, 3, 4, 5, 7]) {
      it(`${opc.toString(16)} /${op} at ${bits} bits: result and CF for counts 1..31 match the one-bit loop`, () => {
        const run = runner32([...prefix, opc, 0xc0 | (op << 3)]);
        for (const v0 of values) {
          const v = v0 % 2 ** bits;
          for (let count = 1; count < 32; count++) {
            for (const cin of [0, 1]) {
              const { r, flags } = run({ regs: { [Reg.EAX]: v, [Reg.ECX]: count }, flags: cin ? CF : 0 });
              const [ex, ec] = model(op, bits, v, count, cin);
              const got = r(Reg.EAX) % 2 ** bits;
              expect([got, flags & CF], `v=${v.toString(16)} count=${count} cf=${cin}`).toEqual([ex, ec]);
            }
          }
        }
      });
    }
  }
});
