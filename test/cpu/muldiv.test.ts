// NOT NEG MUL IMUL DIV IDIV. Expected values from the SDM definitions, with BigInt arithmetic as
// the independent oracle for the 64-bit products and dividends.

import { describe, expect, it } from "vitest";
import { Reg } from "../../src/cpu/constants.js";
import { AF, ARITH, CF, HANDLER, OF, PF, peek32, run32, runner32, runReal, SF, ZF } from "./arith.helpers.js";

const CO = CF | OF;
const u64 = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const s64 = (hi: number, lo: number) => BigInt.asIntN(64, u64(hi, lo));
const lo32 = (v: bigint) => Number(BigInt.asUintN(32, v));
const hi32 = (v: bigint) => Number(BigInt.asUintN(32, v >> 32n));

/** Deterministic 32-bit values with a bias toward the edges. */
function* values(n: number, seed = 0x9e3779b9): Generator<number> {
  const edges = [0, 1, 2, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xfffffffe, 0x10000, 0xffff];
  yield* edges;
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    yield i % 3 === 0 ? x >>> (x & 31) : x;
  }
}

describe("NOT/NEG", () => {
  it("f7 d0 not eax: 0x0f0f0f0f → 0xf0f0f0f0, flags unchanged", () => {
    const { r, flags } = run32([0xf7, 0xd0], { regs: { [Reg.EAX]: 0x0f0f0f0f }, flags: ZF | CF });
    expect(r(Reg.EAX)).toBe(0xf0f0f0f0);
    expect(flags & ARITH).toBe(ZF | CF);
  });
  it("f6 13 not byte [ebx]: 0x5a → 0xa5", () => {
    const { mem } = run32([0xf6, 0x13], { regs: { [Reg.EBX]: 0x3000 }, mem: [[0x3000, [0x5a, 0x77]]] });
    expect([mem.bytes[0x3000], mem.bytes[0x3001]]).toEqual([0xa5, 0x77]);
  });
  it("f7 d8 neg eax: 0 → 0, CF=0 ZF=1 PF=1", () => {
    const { r, flags } = run32([0xf7, 0xd8], { regs: { [Reg.EAX]: 0 }, flags: CF });
    expect(r(Reg.EAX)).toBe(0);
    expect(flags & ARITH).toBe(ZF | PF);
  });
  it("f7 d8 neg eax: 0x80000000 → 0x80000000, CF=1 OF=1 SF=1", () => {
    const { r, flags } = run32([0xf7, 0xd8], { regs: { [Reg.EAX]: 0x80000000 } });
    expect(r(Reg.EAX)).toBe(0x80000000);
    expect(flags & ARITH).toBe(CF | OF | SF | PF);
  });
  it("f6 db neg bl: 1 → 0xff, CF=1 SF=1 AF=1 PF=1", () => {
    const { r, flags } = run32([0xf6, 0xdb], { regs: { [Reg.EBX]: 0x1201 } });
    expect(r(Reg.EBX)).toBe(0x12ff);
    expect(flags & ARITH).toBe(CF | SF | AF | PF);
  });
  it("66 f7 d9 neg cx: 0x8000 → 0x8000, CF=1 OF=1", () => {
    const { r, flags } = run32([0x66, 0xf7, 0xd9], { regs: { [Reg.ECX]: 0x8000 } });
    expect(r(Reg.ECX)).toBe(0x8000);
    expect(flags & CO).toBe(CO);
  });
});

describe("MUL/IMUL one operand", () => {
  it("f7 e1 mul ecx: 0xffffffff * 0xffffffff → edx:eax 0xfffffffe:00000001, CF=OF=1", () => {
    const { r, flags } = run32([0xf7, 0xe1], { regs: { [Reg.EAX]: -1, [Reg.ECX]: -1 } });
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0xfffffffe, 1]);
    expect(flags & CO).toBe(CO);
  });
  it("f7 e1 mul ecx: 3 * 4 → 12, edx=0, CF=OF=0; SF ZF PF from eax, AF=0 (chosen)", () => {
    const { r, flags } = run32([0xf7, 0xe1], { regs: { [Reg.EAX]: 3, [Reg.ECX]: 4, [Reg.EDX]: 77 }, flags: ARITH });
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0, 12]);
    expect(flags & ARITH).toBe(PF);
  });
  it("f7 e9 imul ecx: -2^31 * -2^31 → 2^62 (edx=0x40000000 eax=0), CF=OF=1", () => {
    const { r, flags } = run32([0xf7, 0xe9], { regs: { [Reg.EAX]: 0x80000000, [Reg.ECX]: 0x80000000 } });
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0x40000000, 0]);
    expect(flags & CO).toBe(CO);
  });
  it("f7 e9 imul ecx: 0x7fffffff * -2^31 → 0xc0000000:80000000", () => {
    const { r } = run32([0xf7, 0xe9], { regs: { [Reg.EAX]: 0x7fffffff, [Reg.ECX]: 0x80000000 } });
    const p = 0x7fffffffn * -0x80000000n;
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([hi32(p), lo32(p)]);
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0xc0000000, 0x80000000]);
  });
  it("f7 e9 imul ecx: -1 * -1 → 1, edx=0, CF=OF=0", () => {
    const { r, flags } = run32([0xf7, 0xe9], { regs: { [Reg.EAX]: -1, [Reg.ECX]: -1 } });
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0, 1]);
    expect(flags & CO).toBe(0);
  });
  it("f7 e9 imul ecx: -5 * 3 → edx=0xffffffff eax=-15, CF=OF=0 (high half is the sign extension)", () => {
    const { r, flags } = run32([0xf7, 0xe9], { regs: { [Reg.EAX]: -5, [Reg.ECX]: 3 } });
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0xffffffff, (-15) >>> 0]);
    expect(flags & (CO | SF)).toBe(SF);
  });
  it("66 f7 e1 mul cx: 0xffff * 0xffff → dx=0xfffe ax=0x0001, upper halves kept", () => {
    const { r, flags } = run32([0x66, 0xf7, 0xe1], { regs: { [Reg.EAX]: 0x1234ffff, [Reg.ECX]: 0xffff, [Reg.EDX]: 0x56780000 } });
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0x5678fffe, 0x12340001]);
    expect(flags & CO).toBe(CO);
  });
  it("66 f7 e9 imul cx: -2 * 3 → dx=0xffff ax=0xfffa, CF=OF=0", () => {
    const { r, flags } = run32([0x66, 0xf7, 0xe9], { regs: { [Reg.EAX]: 0xfffe, [Reg.ECX]: 3 } });
    expect([r(Reg.EDX), r(Reg.EAX)]).toEqual([0xffff, 0xfffa]);
    expect(flags & CO).toBe(0);
  });
  it("f6 e1 mul cl: 0x80 * 2 → ax=0x0100, CF=OF=1", () => {
    const { r, flags } = run32([0xf6, 0xe1], { regs: { [Reg.EAX]: 0xaaaa0080, [Reg.ECX]: 2 } });
    expect(r(Reg.EAX)).toBe(0xaaaa0100);
    expect(flags & CO).toBe(CO);
  });
  it("f6 e9 imul cl: -1 * -128 → ax=0x0080, CF=OF=1 (128 does not fit in AL)", () => {
    const { r, flags } = run32([0xf6, 0xe9], { regs: { [Reg.EAX]: 0xff, [Reg.ECX]: 0x80 } });
    expect(r(Reg.EAX)).toBe(0x0080);
    expect(flags & CO).toBe(CO);
  });
  it("f6 e9 imul cl: -2 * 3 → ax=0xfffa, CF=OF=0", () => {
    const { r, flags } = run32([0xf6, 0xe9], { regs: { [Reg.EAX]: 0xfe, [Reg.ECX]: 3 } });
    expect(r(Reg.EAX)).toBe(0xfffa);
    expect(flags & CO).toBe(0);
  });
  it("f7 e1 mul ecx / f7 e9 imul ecx: edx:eax equals the BigInt product for 300 value pairs", () => {
    const mul = runner32([0xf7, 0xe1]), imul = runner32([0xf7, 0xe9]);
    const vs = [...values(120)];
    for (let i = 0; i < vs.length; i++) {
      for (const b of [vs[(i * 7) % vs.length], vs[(i * 13 + 5) % vs.length]]) {
        const a = vs[i];
        const pu = BigInt(a) * BigInt(b);
        let o = mul({ regs: { [Reg.EAX]: a, [Reg.ECX]: b } });
        expect([o.r(Reg.EDX), o.r(Reg.EAX), (o.flags & CF) !== 0], `${a} * ${b}`).toEqual([hi32(pu), lo32(pu), hi32(pu) !== 0]);
        const ps = BigInt(a | 0) * BigInt(b | 0);
        o = imul({ regs: { [Reg.EAX]: a, [Reg.ECX]: b } });
        const wide = ps !== BigInt(lo32(ps) | 0);
        expect([o.r(Reg.EDX), o.r(Reg.EAX), (o.flags & CF) !== 0], `${a | 0} * ${b | 0}`).toEqual([hi32(ps), lo32(ps), wide]);
      }
    }
  });
});

describe("IMUL two and three operands", () => {
  it("0f af c1 imul eax,ecx: 0x10000 * 0x10000 → 0, CF=OF=1", () => {
    const { r, flags } = run32([0x0f, 0xaf, 0xc1], { regs: { [Reg.EAX]: 0x10000, [Reg.ECX]: 0x10000 } });
    expect(r(Reg.EAX)).toBe(0);
    expect(flags & CO).toBe(CO);
  });
  it("0f af c1 imul eax,ecx: -46341 * 46341 = -2147488281 overflows, CF=OF=1", () => {
    const { r, flags } = run32([0x0f, 0xaf, 0xc1], { regs: { [Reg.EAX]: -46341, [Reg.ECX]: 46341 } });
    expect(r(Reg.EAX)).toBe(lo32(-46341n * 46341n));
    expect(flags & CO).toBe(CO);
  });
  it("0f af c1 imul eax,ecx: -46340 * 46341 = -2147441940 fits, CF=OF=0", () => {
    const { r, flags } = run32([0x0f, 0xaf, 0xc1], { regs: { [Reg.EAX]: -46340, [Reg.ECX]: 46341 } });
    expect(r(Reg.EAX)).toBe((-2147441940) >>> 0);
    expect(flags & CO).toBe(0);
  });
  it("0f af c1 imul eax,ecx: -65536 * 32768 = -2^31 fits exactly, CF=OF=0", () => {
    const { r, flags } = run32([0x0f, 0xaf, 0xc1], { regs: { [Reg.EAX]: -65536, [Reg.ECX]: 32768 } });
    expect(r(Reg.EAX)).toBe(0x80000000);
    expect(flags & CO).toBe(0);
  });
  it("0f af c1 imul eax,ecx: 65536 * 32768 = 2^31 overflows, CF=OF=1", () => {
    const { r, flags } = run32([0x0f, 0xaf, 0xc1], { regs: { [Reg.EAX]: 65536, [Reg.ECX]: 32768 } });
    expect(r(Reg.EAX)).toBe(0x80000000);
    expect(flags & CO).toBe(CO);
  });
  it("6b c1 fd imul eax,ecx,-3: 0x40000000 * -3 → 0x40000000, CF=OF=1", () => {
    const { r, flags } = run32([0x6b, 0xc1, 0xfd], { regs: { [Reg.ECX]: 0x40000000 } });
    expect(r(Reg.EAX)).toBe(lo32(0x40000000n * -3n));
    expect(flags & CO).toBe(CO);
  });
  it("69 03 00 00 01 00 imul eax,[ebx],0x10000: 0x7fff → 0x7fff0000, CF=OF=0", () => {
    const { r, flags } = run32([0x69, 0x03, 0x00, 0x00, 0x01, 0x00], { regs: { [Reg.EBX]: 0x3000 }, mem: [[0x3000, [0xff, 0x7f, 0, 0]]] });
    expect(r(Reg.EAX)).toBe(0x7fff0000);
    expect(flags & CO).toBe(0);
  });
  it("66 69 c1 00 80 imul ax,cx,0x8000: the 16-bit immediate is signed (-32768): cx=-1 → 0x8000, CF=OF=1", () => {
    const { r, flags } = run32([0x66, 0x69, 0xc1, 0x00, 0x80], { regs: { [Reg.EAX]: 0xabcd0000, [Reg.ECX]: 0xffff } });
    expect(r(Reg.EAX)).toBe(0xabcd8000);
    expect(flags & CO).toBe(CO);
  });
  it("66 6b c1 02 imul ax,cx,2: cx=0x1234 → 0x2468, CF=OF=0", () => {
    const { r, flags } = run32([0x66, 0x6b, 0xc1, 0x02], { regs: { [Reg.ECX]: 0x1234 } });
    expect(r(Reg.EAX)).toBe(0x2468);
    expect(flags & CO).toBe(0);
  });
  it("0f af c1 imul eax,ecx: truncated product and overflow match BigInt for 300 value pairs", () => {
    const run = runner32([0x0f, 0xaf, 0xc1]);
    const vs = [...values(150, 12345)];
    for (let i = 0; i < vs.length; i++) {
      for (const b of [vs[(i * 11) % vs.length], vs[(i * 3 + 1) % vs.length]]) {
        const a = vs[i];
        const p = BigInt(a | 0) * BigInt(b | 0);
        const o = run({ regs: { [Reg.EAX]: a, [Reg.ECX]: b } });
        const fits = p >= -(2n ** 31n) && p < 2n ** 31n;
        expect([o.r(Reg.EAX), (o.flags & CO) === CO], `${a | 0} * ${b | 0}`).toEqual([lo32(p), !fits]);
      }
    }
  });
});

describe("DIV/IDIV", () => {
  it("f7 f1 div ecx: 0x00000001:00000000 / 2 → eax=0x80000000 edx=0", () => {
    const { r } = run32([0xf7, 0xf1], { regs: { [Reg.EDX]: 1, [Reg.EAX]: 0, [Reg.ECX]: 2 } });
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([0x80000000, 0]);
  });
  it("f7 f1 div ecx: 0xfffffffe:ffffffff (> 2^53) / 0xffffffff → q=0xffffffff r=0xfffffffe exactly", () => {
    const { r } = run32([0xf7, 0xf1], { regs: { [Reg.EDX]: 0xfffffffe, [Reg.EAX]: 0xffffffff, [Reg.ECX]: 0xffffffff } });
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([0xffffffff, 0xfffffffe]);
  });
  it("f7 f1 div ecx: 0x12345678:9abcdef0 / 0x87654321 matches BigInt", () => {
    const { r } = run32([0xf7, 0xf1], { regs: { [Reg.EDX]: 0x12345678, [Reg.EAX]: 0x9abcdef0, [Reg.ECX]: 0x87654321 } });
    const n = u64(0x12345678, 0x9abcdef0);
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([Number(n / 0x87654321n), Number(n % 0x87654321n)]);
  });
  it("f7 f1 div ecx: flags are left unchanged (chosen for the SDM's undefined flags)", () => {
    const { flags } = run32([0xf7, 0xf1], { regs: { [Reg.EAX]: 100, [Reg.ECX]: 7 }, flags: ZF | OF | AF });
    expect(flags & ARITH).toBe(ZF | OF | AF);
  });
  it("f7 f9 idiv ecx: -7 / 2 → q=-3 r=-1 (truncation, remainder has the dividend's sign)", () => {
    const { r } = run32([0xf7, 0xf9], { regs: { [Reg.EDX]: -1, [Reg.EAX]: -7, [Reg.ECX]: 2 } });
    expect([r(Reg.EAX) | 0, r(Reg.EDX) | 0]).toEqual([-3, -1]);
  });
  it("f7 f9 idiv ecx: 7 / -2 → q=-3 r=1", () => {
    const { r } = run32([0xf7, 0xf9], { regs: { [Reg.EDX]: 0, [Reg.EAX]: 7, [Reg.ECX]: -2 } });
    expect([r(Reg.EAX) | 0, r(Reg.EDX) | 0]).toEqual([-3, 1]);
  });
  it("66 f7 f9 idiv ecx: -(2^62) / -2^31 → q = 2^31 does not fit → #DE (real mode)", () => {
    const n = -(2n ** 62n);
    const o = runReal([0x66, 0xf7, 0xf9], { regs: { [Reg.EDX]: hi32(n), [Reg.EAX]: lo32(n), [Reg.ECX]: 0x80000000 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
  });
  it("f7 f9 idiv ecx: -(2^40 + 12345) / 0x7fffffff matches BigInt (negative dividend beyond int32)", () => {
    const n = -(2n ** 40n + 12345n);
    const { r } = run32([0xf7, 0xf9], { regs: { [Reg.EDX]: hi32(n), [Reg.EAX]: lo32(n), [Reg.ECX]: 0x7fffffff } });
    const q = n / 0x7fffffffn, rem = n % 0x7fffffffn;
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([lo32(q), lo32(rem)]);
  });
  it("f7 f9 idiv ecx: -(2^31 * 3) / 3 → q=-2^31 (most negative quotient fits)", () => {
    const n = -(2n ** 31n) * 3n;
    const { r, cpu } = run32([0xf7, 0xf9], { regs: { [Reg.EDX]: hi32(n), [Reg.EAX]: lo32(n), [Reg.ECX]: 3 } });
    expect(cpu.eip).toBe(0x1003);
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([0x80000000, 0]);
  });
  it("66 f7 f1 div cx: dx:ax 0x0001:0000 / 3 → ax=0x5555 dx=1", () => {
    const { r } = run32([0x66, 0xf7, 0xf1], { regs: { [Reg.EDX]: 0xaaaa0001, [Reg.EAX]: 0xbbbb0000, [Reg.ECX]: 3 } });
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([0xbbbb5555, 0xaaaa0001]);
  });
  it("66 f7 f9 idiv cx: dx:ax = -100000 / 7 → ax=-14285 dx=-5", () => {
    const n = -100000;
    const { r } = run32([0x66, 0xf7, 0xf9], { regs: { [Reg.EDX]: (n >> 16) & 0xffff, [Reg.EAX]: n & 0xffff, [Reg.ECX]: 7 } });
    expect([r(Reg.EAX), r(Reg.EDX)]).toEqual([-14285 & 0xffff, -5 & 0xffff]);
  });
  it("f6 f1 div cl: ax=0x00ff / 0x10 → al=0x0f ah=0x0f", () => {
    const { r } = run32([0xf6, 0xf1], { regs: { [Reg.EAX]: 0x123400ff, [Reg.ECX]: 0x10 } });
    expect(r(Reg.EAX)).toBe(0x12340f0f);
  });
  it("f6 f9 idiv cl: ax=-129 / 2 → al=-64 ah=-1", () => {
    const { r } = run32([0xf6, 0xf9], { regs: { [Reg.EAX]: -129 & 0xffff, [Reg.ECX]: 2 } });
    expect(r(Reg.EAX)).toBe(0xffc0);
  });
  it("f7 f1 div ecx / f7 f9 idiv ecx: quotient and remainder match BigInt for 400 dividends up to 64 bits", () => {
    const div = runner32([0xf7, 0xf1]), idiv = runner32([0xf7, 0xf9]);
    const vs = [...values(200, 777)];
    let divRuns = 0, idivRuns = 0;
    for (let i = 0; i < vs.length; i++) {
      const d = (vs[(i * 17 + 3) % vs.length] >>> (i % 29)) || 3;
      const lo = vs[i], r = vs[(i * 5 + 1) % vs.length];
      // DIV: high half below the divisor (else the quotient overflows), often above 2^21 (n > 2^53).
      const hi = i % 3 === 0 ? 0 : r % d;
      const n = u64(hi, lo), bd = BigInt(d);
      const o = div({ regs: { [Reg.EDX]: hi, [Reg.EAX]: lo, [Reg.ECX]: d } });
      expect([o.r(Reg.EAX), o.r(Reg.EDX)], `${n} / ${d}`).toEqual([lo32(n / bd), lo32(n % bd)]);
      divRuns++;
      // IDIV: sign-extended, or a high half within the divisor's magnitude, of either sign.
      const sd = d | 0, mag = Math.abs(sd);
      const shi = i % 3 === 0 ? lo >> 31 : (i % 2 ? -(r % mag) - 1 : r % mag) | 0;
      const sn = s64(shi, lo), bsd = BigInt(sd);
      const sq = sn / bsd;
      if (sq < -(2n ** 31n) || sq >= 2n ** 31n) continue;
      const o2 = idiv({ regs: { [Reg.EDX]: shi, [Reg.EAX]: lo, [Reg.ECX]: sd } });
      expect([o2.r(Reg.EAX), o2.r(Reg.EDX)], `${sn} / ${sd}`).toEqual([lo32(sq), lo32(sn % bsd)]);
      idivRuns++;
    }
    expect(divRuns).toBe(210);
    expect(idivRuns).toBeGreaterThan(100);
  });
});

describe("#DE (real mode, IVT[0] → HLT at 0000:2000)", () => {
  it("66 f7 f1 div ecx by 0 → #DE, pushed IP = the DIV, eax/edx unchanged", () => {
    const o = runReal([0x66, 0xf7, 0xf1], { regs: { [Reg.EAX]: 0x11111111, [Reg.EDX]: 0x22222222, [Reg.ECX]: 0 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect(o.pushedIp()).toBe(0x1000);
    expect([o.r(Reg.EAX), o.r(Reg.EDX)]).toEqual([0x11111111, 0x22222222]);
  });
  it("66 f7 f1 div ecx: edx=2 ≥ ecx=2 (quotient ≥ 2^32) → #DE, registers unchanged", () => {
    const o = runReal([0x66, 0xf7, 0xf1], { regs: { [Reg.EAX]: 5, [Reg.EDX]: 2, [Reg.ECX]: 2 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect([o.r(Reg.EAX), o.r(Reg.EDX)]).toEqual([5, 2]);
  });
  it("66 f7 f9 idiv ecx: -2^31 / -1 → #DE, registers unchanged", () => {
    const o = runReal([0x66, 0xf7, 0xf9], { regs: { [Reg.EAX]: 0x80000000, [Reg.EDX]: 0xffffffff, [Reg.ECX]: -1 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect([o.r(Reg.EAX), o.r(Reg.EDX)]).toEqual([0x80000000, 0xffffffff]);
  });
  it("66 f7 f9 idiv ecx: 2^31 / 1 (edx=0 eax=0x80000000) → #DE (quotient above 0x7fffffff)", () => {
    const o = runReal([0x66, 0xf7, 0xf9], { regs: { [Reg.EAX]: 0x80000000, [Reg.EDX]: 0, [Reg.ECX]: 1 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
  });
  it("f7 f9 idiv cx: dx:ax = -32768 / -1 → #DE", () => {
    const o = runReal([0xf7, 0xf9], { regs: { [Reg.EAX]: 0x8000, [Reg.EDX]: 0xffff, [Reg.ECX]: 0xffff } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect([o.r(Reg.EAX), o.r(Reg.EDX)]).toEqual([0x8000, 0xffff]);
  });
  it("f7 f1 div cx: dx=0x10 ≥ cx=0x10 → #DE", () => {
    const o = runReal([0xf7, 0xf1], { regs: { [Reg.EAX]: 0, [Reg.EDX]: 0x10, [Reg.ECX]: 0x10 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
  });
  it("f6 f9 idiv cl: ax=-128 / -1 → #DE, ax unchanged", () => {
    const o = runReal([0xf6, 0xf9], { regs: { [Reg.EAX]: 0xff80, [Reg.ECX]: 0xff } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect(o.r(Reg.EAX)).toBe(0xff80);
  });
  it("f6 f1 div cl: ax=0x0100 / 1 → #DE (quotient 256)", () => {
    const o = runReal([0xf6, 0xf1], { regs: { [Reg.EAX]: 0x0100, [Reg.ECX]: 1 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect(o.r(Reg.EAX)).toBe(0x0100);
  });
  it("f6 37 div byte [bx] by a zero byte in memory → #DE", () => {
    const o = runReal([0xf6, 0x37], { regs: { [Reg.EAX]: 0x1234, [Reg.EBX]: 0x3000 }, mem: [[0x3000, [0]]] });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect(o.r(Reg.EAX)).toBe(0x1234);
    expect(peek32(o.mem, 0x3000)).toBe(0);
  });
});
