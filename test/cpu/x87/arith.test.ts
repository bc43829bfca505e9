import { describe, expect, it } from "vitest";
import { isqrtRef, ratOf, roundRat } from "./oracle.js";
import { f80, image, runEmu, stOf, swOf } from "./x87harness.js";

const ONE = f80(0x3fff, 1n << 63n);
const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80, C1 = 0x200, B = 0x8000;
const cwOf = (pc: number, rc: number, masks = 0x3f) => 0x40 | (rc << 10) | (pc << 8) | masks;

/** Deterministic operands: significands from a xorshift generator, exponents near 1.0. */
function* values(n: number, seed: number): Generator<[number, bigint]> {
  let s = BigInt(seed) | 1n;
  const next = () => { s ^= (s << 13n) & 0xffffffffffffffffn; s ^= s >> 7n; s ^= (s << 17n) & 0xffffffffffffffffn; return s; };
  for (let i = 0; i < n; i++) {
    const m = next() | (1n << 63n);
    const e = 0x3fff + Number(next() % 41n) - 20;
    yield [(next() & 1n ? 0x8000 : 0) | e, m];
  }
}

describe("basic arithmetic (exact rational oracle)", () => {
  it("d8 c1 fadd: 1.0 + 2^-64 is a tie → 1.0 (even) with PE, C1=0; RC=up → 1+2^-63, C1=1", () => {
    const tiny = f80(0x3fbf, 1n << 63n);
    let r = runEmu({ fsave: image(cwOf(3, 0), [ONE, tiny]), code: [0xd8, 0xc1] });
    expect(stOf(r, 0)).toBe("3fff:8000000000000000");
    expect(swOf(r) & (PE | C1)).toBe(PE);
    r = runEmu({ fsave: image(cwOf(3, 2), [ONE, tiny]), code: [0xd8, 0xc1] });
    expect(stOf(r, 0)).toBe("3fff:8000000000000001");
    expect(swOf(r) & (PE | C1)).toBe(PE | C1);
  });

  it("d8 f1 fdiv: 1/3 under PC 24/53/64 → 3ffd:aaaaab.., 3ffd:aaaaaaaaaaaaa800, 3ffd:aaaaaaaaaaaaaaab", () => {
    const three = f80(0x4000, 0xc000000000000000n);
    const got = [0, 2, 3].map((pc) => stOf(runEmu({ fsave: image(cwOf(pc, 0), [ONE, three]), code: [0xd8, 0xf1] }), 0));
    expect(got).toEqual(["3ffd:aaaaab0000000000", "3ffd:aaaaaaaaaaaaa800", "3ffd:aaaaaaaaaaaaaaab"]);
  });

  const OPS: Array<[string, number, (a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }) => { num: bigint; den: bigint }]> = [
    ["fadd", 0xc1, (a, b) => ({ num: a.num * b.den + b.num * a.den, den: a.den * b.den })],
    ["fmul", 0xc9, (a, b) => ({ num: a.num * b.num, den: a.den * b.den })],
    ["fsub", 0xe1, (a, b) => ({ num: a.num * b.den - b.num * a.den, den: a.den * b.den })],
    ["fsubr", 0xe9, (a, b) => ({ num: b.num * a.den - a.num * b.den, den: a.den * b.den })],
    ["fdiv", 0xf1, (a, b) => ({ num: a.num * b.den, den: a.den * b.num })],
    ["fdivr", 0xf9, (a, b) => ({ num: b.num * a.den, den: b.den * a.num })],
  ];
  for (const [name, modrm, exact] of OPS) {
    it(`d8 ${modrm.toString(16)} ${name} st0,st1: 40 operand pairs × RC × PC match the rational oracle`, () => {
      const xs = [...values(40, modrm * 7919)], ys = [...values(40, modrm * 104729)];
      for (let i = 0; i < xs.length; i++) {
        const [xse, xm] = xs[i], [yse, ym] = ys[i];
        const q = exact(ratOf(xse, xm), ratOf(yse, ym));
        if (q.num === 0n) continue;
        for (const pc of [0, 2, 3]) for (let rc = 0; rc < 4; rc++) {
          const r = runEmu({ fsave: image(cwOf(pc, rc), [f80(xse, xm), f80(yse, ym)]), code: [0xd8, modrm] });
          expect(stOf(r, 0), `${name} ${xse.toString(16)}:${xm.toString(16)} ${yse.toString(16)}:${ym.toString(16)} pc=${pc} rc=${rc}`)
            .toBe(roundRat(q, [24, 64, 53, 64][pc], rc));
        }
      }
    });
  }

  it("d9 fa fsqrt: 40 values × RC × PC match floor-sqrt rounding; sqrt(-1) → IE, indefinite", () => {
    for (const [se0, m] of values(40, 31337)) {
      const se = se0 & 0x7fff;
      let e = se - 16383 - 63, mm = m;
      if (e & 1) { mm <<= 1n; e -= 1; }
      const s = isqrtRef(mm << 256n); // sqrt(mm * 2^256) = sqrt(v) * 2^(128 - e/2)
      const exact = s * s === mm << 256n;
      const sh = e / 2 - 128 - (exact ? 0 : 1);
      const num = exact ? s : 2n * s + 1n;
      const q = sh >= 0 ? { num: num << BigInt(sh), den: 1n } : { num, den: 1n << BigInt(-sh) };
      for (const pc of [0, 2, 3]) for (let rc = 0; rc < 4; rc++) {
        const r = runEmu({ fsave: image(cwOf(pc, rc), [f80(se, m)]), code: [0xd9, 0xfa] });
        expect(stOf(r, 0)).toBe(roundRat(q, [24, 64, 53, 64][pc], rc));
      }
    }
    const r = runEmu({ fsave: image(0x37f, [f80(0xbfff, 1n << 63n)]), code: [0xd9, 0xfa] });
    expect(stOf(r, 0)).toBe("ffff:c000000000000000");
    expect(swOf(r) & 0x7f).toBe(IE);
  });

  it("dc c9 fmul: largest finite × 2 → +inf with OE PE C1 (RC nearest), 7ffe:ffff.. with RC=chop (C1=0)", () => {
    const max = f80(0x7ffe, (1n << 64n) - 1n), two = f80(0x4000, 1n << 63n);
    let r = runEmu({ fsave: image(cwOf(3, 0), [max, two]), code: [0xd8, 0xc9] });
    expect(stOf(r, 0)).toBe("7fff:8000000000000000");
    expect(swOf(r) & 0x23f).toBe(OE | PE | C1);
    r = runEmu({ fsave: image(cwOf(3, 3), [max, two]), code: [0xd8, 0xc9] });
    expect(stOf(r, 0)).toBe("7ffe:ffffffffffffffff");
    expect(swOf(r) & 0x23f).toBe(OE | PE);
  });

  it("unmasked OE: 2^16383 × 2 → exponent biased down by 24576 (1fff:8000..), ES and B set", () => {
    const big = f80(0x7ffe, 1n << 63n), two = f80(0x4000, 1n << 63n);
    const r = runEmu({ fsave: image(cwOf(3, 0, 0x37), [big, two]), code: [0xd8, 0xc9] });
    expect(stOf(r, 0)).toBe("1fff:8000000000000000");
    expect(swOf(r) & (0xff | B)).toBe(OE | ES | B);
  });

  it("denormal results: 2^-16382 / 2 → 0000:4000.. exact (no UE); (1+2^-63)·2^-16382 / 2 → UE PE", () => {
    const min = f80(0x0001, 1n << 63n), two = f80(0x4000, 1n << 63n);
    let r = runEmu({ fsave: image(0x37f, [min, two]), code: [0xd8, 0xf1] });
    expect(stOf(r, 0)).toBe("0000:4000000000000000");
    expect(swOf(r) & 0x3f).toBe(0);
    r = runEmu({ fsave: image(0x37f, [f80(0x0001, (1n << 63n) | 1n), two]), code: [0xd8, 0xf1] });
    expect(stOf(r, 0)).toBe("0000:4000000000000000");
    expect(swOf(r) & 0x3f).toBe(UE | PE);
  });

  it("special operands: 1/+0 → +inf ZE; inf-inf → indefinite IE; denormal operand → DE", () => {
    const zero = f80(0, 0n), inf = f80(0x7fff, 1n << 63n);
    let r = runEmu({ fsave: image(0x37f, [ONE, zero]), code: [0xd8, 0xf1] });
    expect([stOf(r, 0), swOf(r) & 0x3f]).toEqual(["7fff:8000000000000000", ZE]);
    r = runEmu({ fsave: image(0x37f, [inf, inf]), code: [0xd8, 0xe1] });
    expect([stOf(r, 0), swOf(r) & 0x3f]).toEqual(["ffff:c000000000000000", IE]);
    r = runEmu({ fsave: image(0x37f, [ONE, f80(0, 1n)]), code: [0xd8, 0xc9] });
    expect(swOf(r) & 0x3f).toBe(DE); // the exact denormal product raises no (masked) UE
  });

  it("d8 c1 fadd with ST(1) empty: stack underflow → IE SF, C1=0, ST(0) = indefinite", () => {
    const r = runEmu({ fsave: image(0x37f, [ONE]), code: [0xd8, 0xc1] });
    expect(stOf(r, 0)).toBe("ffff:c000000000000000");
    expect(swOf(r) & (0x7f | C1)).toBe(IE | SF);
  });

  it("de c1 faddp / da 06 fiadd dword [esi]: pop after the sum; integer operand converted exactly", () => {
    let r = runEmu({ fsave: image(0x37f, [ONE, ONE]), code: [0xde, 0xc1] });
    expect(stOf(r, 0)).toBe("4000:8000000000000000");
    expect((swOf(r) >> 11) & 7).toBe(1);
    r = runEmu({ fsave: image(0x37f, [ONE]), mem: Uint8Array.of(0xff, 0xff, 0xff, 0xff), code: [0xda, 0x06] });
    expect(stOf(r, 0)).toBe("0000:0000000000000000"); // 1 + (-1) = +0
  });
});
