import { describe, expect, it } from "vitest";
import { isqrtRef, piFixed, roundRat } from "./oracle.js";
import { f80, image, runEmu, stOf, swOf } from "./x87harness.js";

const C2 = 0x400;
const ONE = f80(0x3fff, 1n << 63n);
const PI_EXT = f80(0x4000, 0xc90fdaa22168c235n);

describe("transcendentals (oracle: BigInt series in the test)", () => {
  it("d9 fe fsin(pi rounded to 64 bits) = -(pi_ext - pi) to 64 bits: bfbe:ece675d1fc8f8cbb", () => {
    // sin(pi_ext) = -sin(d), d = pi_ext - pi; d ~ 2^-64 so sin(d) = d (1 - d^2/6) to far below 1 ulp.
    const F = 300;
    const d = (0xc90fdaa22168c235n << BigInt(F - 62)) - piFixed(F);
    const q = { num: -(d - (d * d * d) / (6n << BigInt(2 * F))), den: 1n << BigInt(F) };
    const r = runEmu({ fsave: image(0x37f, [PI_EXT]), code: [0xd9, 0xfe] });
    expect(stOf(r, 0)).toBe(roundRat(q));
    expect(stOf(r, 0)).toBe("bfbe:ece675d1fc8f8cbb");
  });

  it("d9 f3 fpatan(1, 1) = pi/4 → 3ffe:c90fdaa22168c235 (nearest), ..c234 (chop); ST(1) popped into ST(0)", () => {
    let r = runEmu({ fsave: image(0x37f, [ONE, ONE]), code: [0xd9, 0xf3] });
    expect(stOf(r, 0)).toBe(roundRat({ num: piFixed(200), den: 1n << 202n }));
    expect(stOf(r, 0)).toBe("3ffe:c90fdaa22168c235");
    r = runEmu({ fsave: image(0xf7f, [ONE, ONE]), code: [0xd9, 0xf3] });
    expect(stOf(r, 0)).toBe("3ffe:c90fdaa22168c234");
  });

  it("d9 f0 f2xm1(0.5) = sqrt(2) - 1 (integer-sqrt oracle) → 3ffd:d413cccfe7799211", () => {
    const s = isqrtRef(2n << 400n); // sqrt(2) * 2^200, truncated
    const r = runEmu({ fsave: image(0x37f, [f80(0x3ffe, 1n << 63n)]), code: [0xd9, 0xf0] });
    expect(stOf(r, 0)).toBe(roundRat({ num: 2n * (s - (1n << 200n)) + 1n, den: 1n << 201n }));
    expect(stOf(r, 0)).toBe("3ffd:d413cccfe7799211");
  });

  it("d9 f1 fyl2x: 3 * log2(8) = 9 exactly; log2(0) with y=1 → -inf and ZE", () => {
    let r = runEmu({ fsave: image(0x37f, [f80(0x4002, 1n << 63n), f80(0x4000, 0xc000000000000000n)]), code: [0xd9, 0xf1] });
    expect(stOf(r, 0)).toBe("4002:9000000000000000");
    r = runEmu({ fsave: image(0x37f, [f80(0, 0n), ONE]), code: [0xd9, 0xf1] });
    expect([stOf(r, 0), swOf(r) & 0x3f]).toEqual(["ffff:8000000000000000", 4]);
  });

  it("d9 f2 fptan(0) → +0 then 1.0 pushed; fptan(2^63) → C2=1, operand unchanged, nothing pushed", () => {
    let r = runEmu({ fsave: image(0x37f, [f80(0, 0n)]), code: [0xd9, 0xf2] });
    expect([stOf(r, 0), stOf(r, 1)]).toEqual(["3fff:8000000000000000", "0000:0000000000000000"]);
    r = runEmu({ fsave: image(0x37f, [f80(0x403e, 1n << 63n)]), code: [0xd9, 0xf2] });
    expect(stOf(r, 0)).toBe("403e:8000000000000000");
    expect(swOf(r) & C2).toBe(C2);
    expect((swOf(r) >> 11) & 7).toBe(0);
  });

  it("d9 fb fsincos(+0) → ST0 = cos = 1.0, ST1 = sin = +0", () => {
    const r = runEmu({ fsave: image(0x37f, [f80(0, 0n)]), code: [0xd9, 0xfb] });
    expect([stOf(r, 0), stOf(r, 1)]).toEqual(["3fff:8000000000000000", "0000:0000000000000000"]);
  });
});

describe("FPREM FPREM1 FSCALE FXTRACT FRNDINT", () => {
  const n = (v: number) => { const b = BigInt(v), l = b.toString(2).length; return f80(0x3fff + l - 1, b << BigInt(64 - l)); };
  it("d9 f8 fprem 7 mod 3 → 1, Q=2 (C3=1 C1=0 C0=0); d9 f5 fprem1 8 rem 3 → -1, Q=3 (C3=1 C1=1)", () => {
    let r = runEmu({ fsave: image(0x37f, [n(7), n(3)]), code: [0xd9, 0xf8] });
    expect([stOf(r, 0), swOf(r) & 0x4700]).toEqual(["3fff:8000000000000000", 0x4000]);
    r = runEmu({ fsave: image(0x37f, [n(8), n(3)]), code: [0xd9, 0xf5] });
    expect([stOf(r, 0), swOf(r) & 0x4700]).toEqual(["bfff:8000000000000000", 0x4200]);
  });
  it("d9 f8 fprem 2^100 mod 3 → partial remainder (C2=1), then complete after repeating: 2^100 mod 3 = 1", () => {
    const code = Array(6).fill([0xd9, 0xf8]).flat();
    const r = runEmu({ fsave: image(0x37f, [f80(0x3fff + 100, 1n << 63n), n(3)]), code });
    expect(swOf(r) & 0x400).toBe(0);
    expect(stOf(r, 0)).toBe("3fff:8000000000000000");
  });
  it("d9 fd fscale 1.5 * 2^trunc(-2.7) → 0.375; d9 f4 fxtract 10 → ST0 1.25, ST1 3", () => {
    let r = runEmu({ fsave: image(0x37f, [f80(0x3fff, 0xc000000000000000n), f80(0xc000, 0xacccccccccccccccn)]), code: [0xd9, 0xfd] });
    expect(stOf(r, 0)).toBe("3ffd:c000000000000000");
    r = runEmu({ fsave: image(0x37f, [n(10)]), code: [0xd9, 0xf4] });
    expect([stOf(r, 0), stOf(r, 1)]).toEqual(["3fff:a000000000000000", "4000:c000000000000000"]);
  });
  it("d9 fc frndint 2.5 → 2 (nearest even), 3 (up), 2 (chop); -0.5 → -0 (nearest)", () => {
    const x = f80(0x4000, 0xa000000000000000n);
    expect([0x37f, 0xb7f, 0xf7f].map((cw) => stOf(runEmu({ fsave: image(cw, [x]), code: [0xd9, 0xfc] }), 0)))
      .toEqual(["4000:8000000000000000", "4000:c000000000000000", "4000:8000000000000000"]);
    expect(stOf(runEmu({ fsave: image(0x37f, [f80(0xbffe, 1n << 63n)]), code: [0xd9, 0xfc] }), 0)).toBe("8000:0000000000000000");
  });
});
