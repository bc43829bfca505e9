// BT BTS BTR BTC BSF BSR, and the exchange instructions CMPXCHG XADD CMPXCHG8B (atomic.ts).
// Expected values from the SDM definitions (Vol.2 BT: bit base and bit offset; CMPXCHG pseudocode).

import { describe, expect, it } from "vitest";
import { Desc, Reg, Seg } from "../../src/cpu/constants.js";
import { load, makeCpu, real16, runToHalt } from "./harness.js";
import { AF, ARITH, CF, HANDLER, le32, OF, PF, peek32, run32, runReal, SF, ZF } from "./arith.helpers.js";

describe("BT/BTS/BTR/BTC with a register bit offset", () => {
  it("0f a3 c8 bt eax,ecx: ecx=36 → bit 4 (offset mod 32), CF=1; other flags unchanged", () => {
    const { r, flags } = run32([0x0f, 0xa3, 0xc8], { regs: { [Reg.EAX]: 0x10, [Reg.ECX]: 36 }, flags: ZF | SF | OF });
    expect(r(Reg.EAX)).toBe(0x10);
    expect(flags & ARITH).toBe(CF | ZF | SF | OF);
  });
  it("0f a3 0b bt [ebx],ecx: ecx=-1 → bit 31 of the dword at ebx-4, CF=1", () => {
    const { flags } = run32([0x0f, 0xa3, 0x0b], { regs: { [Reg.EBX]: 0x3000, [Reg.ECX]: -1 }, mem: [[0x2ffc, [0, 0, 0, 0x80]]] });
    expect(flags & CF).toBe(CF);
  });
  it("0f a3 0b bt [ebx],ecx: ecx=-33 → bit 31 of the dword at ebx-8, CF=0 when clear", () => {
    const { flags } = run32([0x0f, 0xa3, 0x0b], { regs: { [Reg.EBX]: 0x3000, [Reg.ECX]: -33 }, mem: [[0x2ffc, [0, 0, 0, 0x80]]], flags: CF });
    expect(flags & CF).toBe(0);
  });
  it("0f ab 0b bts [ebx],ecx: ecx=100 → sets bit 4 of the dword at ebx+12, CF=0", () => {
    const { mem, flags } = run32([0x0f, 0xab, 0x0b], { regs: { [Reg.EBX]: 0x3000, [Reg.ECX]: 100 }, flags: CF });
    expect(peek32(mem, 0x300c)).toBe(0x10);
    expect(peek32(mem, 0x3000)).toBe(0);
    expect(flags & CF).toBe(0);
  });
  it("66 0f ab 0b bts [ebx],cx: cx=0xffff (-1 as a signed word) → bit 15 of the word at ebx-2", () => {
    const { mem, flags } = run32([0x66, 0x0f, 0xab, 0x0b], { regs: { [Reg.EBX]: 0x3000, [Reg.ECX]: 0xffff } });
    expect([mem.bytes[0x2ffe], mem.bytes[0x2fff], mem.bytes[0x3000]]).toEqual([0, 0x80, 0]);
    expect(flags & CF).toBe(0);
  });
  it("66 0f ab 0b bts [ebx],cx: cx=17 → bit 1 of the word at ebx+2", () => {
    const { mem } = run32([0x66, 0x0f, 0xab, 0x0b], { regs: { [Reg.EBX]: 0x3000, [Reg.ECX]: 17 } });
    expect(peek32(mem, 0x3000)).toBe(0x00020000);
  });
  it("0f b3 0b btr [ebx],ecx: ecx=-2 → clears bit 30 of the dword at ebx-4, CF=1", () => {
    const { mem, flags } = run32([0x0f, 0xb3, 0x0b], { regs: { [Reg.EBX]: 0x3000, [Reg.ECX]: -2 }, mem: [[0x2ffc, le32(0xffffffff)]] });
    expect(peek32(mem, 0x2ffc)).toBe(0xbfffffff);
    expect(flags & CF).toBe(CF);
  });
  it("0f bb c8 btc eax,ecx: ecx=0x21 → toggles bit 1, CF = old bit", () => {
    const { r, flags } = run32([0x0f, 0xbb, 0xc8], { regs: { [Reg.EAX]: 0x3, [Reg.ECX]: 0x21 } });
    expect(r(Reg.EAX)).toBe(0x1);
    expect(flags & CF).toBe(CF);
  });
  it("66 0f b3 c8 btr ax,cx: cx=0x13 → clears bit 3 of ax (offset mod 16), upper half kept", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xb3, 0xc8], { regs: { [Reg.EAX]: 0xffffffff, [Reg.ECX]: 0x13 } });
    expect(r(Reg.EAX)).toBe(0xfffffff7);
    expect(flags & CF).toBe(CF);
  });
  it("0f ab 0f bts [bx],cx in real mode: bx=0 cx=-1 → the word at DS:0xfffe (16-bit address wrap), bit 15", () => {
    const o = runReal([0x0f, 0xab, 0x0f], { regs: { [Reg.EBX]: 0, [Reg.ECX]: 0xffff } });
    expect(o.cpu.eip).toBe(0x1004);
    expect([o.mem.bytes[0xfffe], o.mem.bytes[0xffff], o.mem.bytes[0x10000]]).toEqual([0, 0x80, 0]);
  });
  it("f0 0f ab 0b lock bts [ebx],ecx is accepted and sets the bit", () => {
    const { mem } = run32([0xf0, 0x0f, 0xab, 0x0b], { regs: { [Reg.EBX]: 0x3000, [Reg.ECX]: 0 } });
    expect(peek32(mem, 0x3000)).toBe(1);
  });
});

describe("BT/BTS/BTR/BTC with an immediate bit offset (0F BA)", () => {
  it("0f ba e0 24 bt eax,36: the immediate masks to 4, CF=1", () => {
    const { flags } = run32([0x0f, 0xba, 0xe0, 0x24], { regs: { [Reg.EAX]: 0x10 } });
    expect(flags & CF).toBe(CF);
  });
  it("0f ba 2b 24 bts dword [ebx],36: the immediate masks to 4 on the dword at ebx (no bit-base offset)", () => {
    const { mem, flags } = run32([0x0f, 0xba, 0x2b, 0x24], { regs: { [Reg.EBX]: 0x3000 } });
    expect(peek32(mem, 0x3000)).toBe(0x10);
    expect(peek32(mem, 0x3004)).toBe(0);
    expect(flags & CF).toBe(0);
  });
  it("66 0f ba f0 13 btr ax,0x13: masks to 3", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xba, 0xf0, 0x13], { regs: { [Reg.EAX]: 0xf } });
    expect(r(Reg.EAX)).toBe(0x7);
    expect(flags & CF).toBe(CF);
  });
  it("0f ba f8 1f btc eax,31: 0 → 0x80000000, CF=0", () => {
    const { r, flags } = run32([0x0f, 0xba, 0xf8, 0x1f], { regs: { [Reg.EAX]: 0 }, flags: CF });
    expect(r(Reg.EAX)).toBe(0x80000000);
    expect(flags & CF).toBe(0);
  });
});

describe("BSF/BSR", () => {
  it("0f bc c1 bsf eax,ecx: 0x00f0 → 4, ZF=0", () => {
    const { r, flags } = run32([0x0f, 0xbc, 0xc1], { regs: { [Reg.ECX]: 0xf0 }, flags: ZF });
    expect(r(Reg.EAX)).toBe(4);
    expect(flags & ZF).toBe(0);
  });
  it("0f bd c1 bsr eax,ecx: 0x00f0 → 7; 0x80000000 → 31", () => {
    expect(run32([0x0f, 0xbd, 0xc1], { regs: { [Reg.ECX]: 0xf0 } }).r(Reg.EAX)).toBe(7);
    expect(run32([0x0f, 0xbd, 0xc1], { regs: { [Reg.ECX]: 0x80000000 } }).r(Reg.EAX)).toBe(31);
  });
  it("0f bc c1 bsf eax,ecx: source 0 → ZF=1, eax unchanged", () => {
    const { r, flags } = run32([0x0f, 0xbc, 0xc1], { regs: { [Reg.EAX]: 0x12345678, [Reg.ECX]: 0 } });
    expect(r(Reg.EAX)).toBe(0x12345678);
    expect(flags & ZF).toBe(ZF);
  });
  it("0f bd c1 bsr eax,ecx: source 0 → ZF=1, eax unchanged", () => {
    const { r, flags } = run32([0x0f, 0xbd, 0xc1], { regs: { [Reg.EAX]: 0xdeadbeef, [Reg.ECX]: 0 } });
    expect(r(Reg.EAX)).toBe(0xdeadbeef);
    expect(flags & ZF).toBe(ZF);
  });
  it("66 0f bd c1 bsr ax,cx: 0x8000 → 15, upper half of eax kept", () => {
    const { r } = run32([0x66, 0x0f, 0xbd, 0xc1], { regs: { [Reg.EAX]: 0xabcd0000, [Reg.ECX]: 0xffff8000 } });
    expect(r(Reg.EAX)).toBe(0xabcd000f);
  });
  it("66 0f bc c1 bsf ax,cx: cx=0 (upper half of ecx nonzero) → ZF=1, ax unchanged", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xbc, 0xc1], { regs: { [Reg.EAX]: 0x5555, [Reg.ECX]: 0x10000 } });
    expect(r(Reg.EAX)).toBe(0x5555);
    expect(flags & ZF).toBe(ZF);
  });
  it("0f bc 03 bsf eax,[ebx]: 0x00010000 in memory → 16", () => {
    const { r } = run32([0x0f, 0xbc, 0x03], { regs: { [Reg.EBX]: 0x3000 }, mem: [[0x3000, le32(0x10000)]] });
    expect(r(Reg.EAX)).toBe(16);
  });
});

describe("CMPXCHG", () => {
  it("0f b1 0b cmpxchg [ebx],ecx: eax = [ebx] = 5 → [ebx] = ecx, ZF=1", () => {
    const { r, mem, flags } = run32([0x0f, 0xb1, 0x0b], { regs: { [Reg.EAX]: 5, [Reg.EBX]: 0x3000, [Reg.ECX]: 9 }, mem: [[0x3000, le32(5)]] });
    expect(peek32(mem, 0x3000)).toBe(9);
    expect(r(Reg.EAX)).toBe(5);
    expect(flags & ARITH).toBe(ZF | PF);
  });
  it("0f b1 0b cmpxchg [ebx],ecx: eax=5 [ebx]=7 → eax=7, memory keeps 7, ZF=0 CF=1 (flags of 5 - 7)", () => {
    const { r, mem, flags } = run32([0x0f, 0xb1, 0x0b], { regs: { [Reg.EAX]: 5, [Reg.EBX]: 0x3000, [Reg.ECX]: 9 }, mem: [[0x3000, le32(7)]] });
    expect(peek32(mem, 0x3000)).toBe(7);
    expect(r(Reg.EAX)).toBe(7);
    expect(flags & ARITH).toBe(CF | SF | AF);
  });
  it("0f b0 cb cmpxchg bl,cl: al=bl → bl=cl, ZF=1", () => {
    const { r, flags } = run32([0x0f, 0xb0, 0xcb], { regs: { [Reg.EAX]: 0x1142, [Reg.EBX]: 0x2242, [Reg.ECX]: 0x99 } });
    expect(r(Reg.EBX)).toBe(0x2299);
    expect(r(Reg.EAX)).toBe(0x1142);
    expect(flags & ZF).toBe(ZF);
  });
  it("0f b0 cb cmpxchg bl,cl: al≠bl → al=bl, ah kept, ZF=0", () => {
    const { r, flags } = run32([0x0f, 0xb0, 0xcb], { regs: { [Reg.EAX]: 0x1142, [Reg.EBX]: 0x2243, [Reg.ECX]: 0x99 } });
    expect(r(Reg.EBX)).toBe(0x2243);
    expect(r(Reg.EAX)).toBe(0x1143);
    expect(flags & ZF).toBe(0);
  });
  it("66 0f b1 cb cmpxchg bx,cx: ax≠bx → ax=bx, upper half of eax kept", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xb1, 0xcb], { regs: { [Reg.EAX]: 0xaaaa0001, [Reg.EBX]: 0x0002, [Reg.ECX]: 3 } });
    expect(r(Reg.EAX)).toBe(0xaaaa0002);
    expect(r(Reg.EBX)).toBe(2);
    expect(flags & (ZF | CF)).toBe(CF);
  });
  it("0f b1 0f cmpxchg [bx],cx to a read-only data segment faults (#GP) even when unequal; ax and memory unchanged", () => {
    const { cpu, mem } = makeCpu();
    for (let v = 0; v < 32; v++) load(mem, v * 4, [HANDLER & 0xff, HANDLER >> 8, 0, 0]);
    load(mem, HANDLER, [0xf4]);
    load(mem, 0x1000, [0x0f, 0xb1, 0x0f, 0xf4]);
    load(mem, 0x3000, [0x07, 0x00]);
    real16(cpu, 0, 0x1000, 0x8000);
    cpu.setSegCache(Seg.DS, 0, 0, 0xffff, Desc.P | Desc.S | Desc.A); // data, read-only
    cpu.regs[Reg.EAX] = 5; cpu.regs[Reg.EBX] = 0x3000; cpu.regs[Reg.ECX] = 9;
    runToHalt(cpu);
    expect(cpu.eip).toBe(HANDLER + 1);
    expect(mem.bytes[0x7ffa]).toBe(0x00); // pushed IP = 0x1000 (the CMPXCHG)
    expect(mem.bytes[0x7ffb]).toBe(0x10);
    expect(cpu.regs[Reg.EAX]).toBe(5);
    expect(mem.bytes[0x3000]).toBe(7);
  });
});

describe("XADD", () => {
  it("0f c1 03 xadd [ebx],eax: [ebx]=2 eax=1 → [ebx]=3, eax=2, flags of the add", () => {
    const { r, mem, flags } = run32([0x0f, 0xc1, 0x03], { regs: { [Reg.EAX]: 1, [Reg.EBX]: 0x3000 }, mem: [[0x3000, le32(2)]] });
    expect(peek32(mem, 0x3000)).toBe(3);
    expect(r(Reg.EAX)).toBe(2);
    expect(flags & ARITH).toBe(PF);
  });
  it("f0 0f c1 03 lock xadd [ebx],eax: 0xffffffff + 1 → 0, eax=0xffffffff, CF=1 ZF=1", () => {
    const { r, mem, flags } = run32([0xf0, 0x0f, 0xc1, 0x03], { regs: { [Reg.EAX]: 1, [Reg.EBX]: 0x3000 }, mem: [[0x3000, le32(0xffffffff)]] });
    expect(peek32(mem, 0x3000)).toBe(0);
    expect(r(Reg.EAX)).toBe(0xffffffff);
    expect(flags & (CF | ZF)).toBe(CF | ZF);
  });
  it("0f c1 c0 xadd eax,eax: 5 → 10 (the sum is written last)", () => {
    const { r } = run32([0x0f, 0xc1, 0xc0], { regs: { [Reg.EAX]: 5 } });
    expect(r(Reg.EAX)).toBe(10);
  });
  it("0f c0 cb xadd bl,cl: bl=0x7f cl=1 → bl=0x80 cl=0x7f, OF=1 SF=1", () => {
    const { r, flags } = run32([0x0f, 0xc0, 0xcb], { regs: { [Reg.EBX]: 0x117f, [Reg.ECX]: 0x2201 } });
    expect(r(Reg.EBX)).toBe(0x1180);
    expect(r(Reg.ECX)).toBe(0x227f);
    expect(flags & (OF | SF)).toBe(OF | SF);
  });
  it("66 0f c1 cb xadd bx,cx: 0xffff + 2 → bx=1 cx=0xffff, CF=1", () => {
    const { r, flags } = run32([0x66, 0x0f, 0xc1, 0xcb], { regs: { [Reg.EBX]: 0xffff, [Reg.ECX]: 2 } });
    expect(r(Reg.EBX)).toBe(1);
    expect(r(Reg.ECX)).toBe(0xffff);
    expect(flags & CF).toBe(CF);
  });
});

describe("CMPXCHG8B", () => {
  const code = [0x0f, 0xc7, 0x0e]; // cmpxchg8b [esi]
  it("0f c7 0e cmpxchg8b [esi]: edx:eax equal to m64 → m64 = ecx:ebx, ZF=1, other flags kept", () => {
    const { r, mem, flags } = run32(code, {
      regs: { [Reg.EAX]: 0x11111111, [Reg.EDX]: 0x22222222, [Reg.EBX]: 0x33333333, [Reg.ECX]: 0x44444444, [Reg.ESI]: 0x3000 },
      mem: [[0x3000, [...le32(0x11111111), ...le32(0x22222222)]]],
      flags: CF | OF,
    });
    expect([peek32(mem, 0x3000), peek32(mem, 0x3004)]).toEqual([0x33333333, 0x44444444]);
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([0x11111111, 0x22222222]);
    expect(flags & ARITH).toBe(ZF | CF | OF);
  });
  it("0f c7 0e cmpxchg8b [esi]: high dwords differ → edx:eax = m64, memory unchanged, ZF=0", () => {
    const { r, mem, flags } = run32(code, {
      regs: { [Reg.EAX]: 0x11111111, [Reg.EDX]: 0x22222222, [Reg.EBX]: 0x33333333, [Reg.ECX]: 0x44444444, [Reg.ESI]: 0x3000 },
      mem: [[0x3000, [...le32(0x11111111), ...le32(0x22222223)]]],
      flags: ZF,
    });
    expect([peek32(mem, 0x3000), peek32(mem, 0x3004)]).toEqual([0x11111111, 0x22222223]);
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([0x11111111, 0x22222223]);
    expect(flags & ZF).toBe(0);
  });
  it("f0 0f c7 0e lock cmpxchg8b [esi] across a page boundary (esi=0x2ffc) swaps both halves", () => {
    const { mem, flags } = run32([0xf0, ...code], {
      regs: { [Reg.EAX]: 1, [Reg.EDX]: 2, [Reg.EBX]: 3, [Reg.ECX]: 4, [Reg.ESI]: 0x2ffc },
      mem: [[0x2ffc, [...le32(1), ...le32(2)]]],
    });
    expect([peek32(mem, 0x2ffc), peek32(mem, 0x3000)]).toEqual([3, 4]);
    expect(flags & ZF).toBe(ZF);
  });
  it("0f c7 c8 cmpxchg8b with a register operand → #UD", () => {
    const { cpu, mem } = makeCpu();
    for (let v = 0; v < 32; v++) load(mem, v * 4, [HANDLER & 0xff, HANDLER >> 8, 0, 0]);
    load(mem, HANDLER, [0xf4]);
    load(mem, 6 * 4, [0x00, 0x25, 0, 0]);
    load(mem, 0x2500, [0xf4]);
    load(mem, 0x1000, [0x0f, 0xc7, 0xc8, 0xf4]);
    real16(cpu, 0, 0x1000, 0x8000);
    runToHalt(cpu);
    expect(cpu.eip).toBe(0x2501);
  });
});

describe("flag choices for undefined flags", () => {
  it("0f bc c1 bsf eax,ecx: ecx=0x80 → CF=OF=AF=0, SF=0, PF from the source byte (0x80: odd → 0)", () => {
    const { flags } = run32([0x0f, 0xbc, 0xc1], { regs: { [Reg.ECX]: 0x80 }, flags: CF | OF | AF | PF });
    expect(flags & ARITH).toBe(0);
  });
});
