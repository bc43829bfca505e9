import { describe, expect, it } from "vitest";
import { f80, hex80, image, runEmu, stOf, swOf, twOf } from "./x87harness.js";

const IE = 1, DE = 2, UE = 0x10, PE = 0x20, SF = 0x40, C1 = 0x200;
const le32 = (v: number) => Uint8Array.of(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
const memHex = (m: Uint8Array, n: number) => Buffer.from(m.subarray(0, n)).toString("hex");
const THIRD = f80(0x3ffd, 0xaaaaaaaaaaaaaaabn);

describe("loads and stores (SDM Vol.1 4.2 formats)", () => {
  it("d9 06 fld dword [esi]: 0x3fc00000 (1.5) → 3fff:c000..; denormal 0x00000001 → 3f6a:8000.. with DE", () => {
    let r = runEmu({ fsave: image(0x37f, []), mem: le32(0x3fc00000), code: [0xd9, 0x06] });
    expect(stOf(r, 0)).toBe("3fff:c000000000000000");
    expect((swOf(r) >> 11) & 7).toBe(7);
    r = runEmu({ fsave: image(0x37f, []), mem: le32(1), code: [0xd9, 0x06] });
    expect(stOf(r, 0)).toBe("3f6a:8000000000000000"); // 2^-149
    expect(swOf(r) & 0x3f).toBe(DE);
  });

  it("dd 06 fld qword [esi]: SNaN 0x7ff0000000000001 → quieted 7fff:c000000000000800 with IE", () => {
    const r = runEmu({ fsave: image(0x37f, []), mem: Uint8Array.of(1, 0, 0, 0, 0, 0, 0xf0, 0x7f), code: [0xdd, 0x06] });
    expect(stOf(r, 0)).toBe("7fff:c000000000000800");
    expect(swOf(r) & 0x3f).toBe(IE);
  });

  it("d9 06 fld with ST(7) in use: stack overflow → IE SF C1=1, indefinite pushed", () => {
    const regs = Array.from({ length: 8 }, () => f80(0x3fff, 1n << 63n));
    const r = runEmu({ fsave: image(0x37f, regs), mem: le32(0x3f800000), code: [0xd9, 0x06] });
    expect(stOf(r, 0)).toBe("ffff:c000000000000000");
    expect(swOf(r) & (0x7f | C1)).toBe(IE | SF | C1);
  });

  it("d9 16 fst dword [esi]: 1/3 → 0x3eaaaaab (nearest), 0x3eaaaaaa (chop); PE, C1 = rounded up", () => {
    let r = runEmu({ fsave: image(0x37f, [THIRD]), code: [0xd9, 0x16] });
    expect(memHex(r.mem, 4)).toBe("abaaaa3e");
    expect(swOf(r) & (0x3f | C1)).toBe(PE | C1);
    r = runEmu({ fsave: image(0xf7f, [THIRD]), code: [0xd9, 0x16] });
    expect(memHex(r.mem, 4)).toBe("aaaaaa3e");
    expect(swOf(r) & (0x3f | C1)).toBe(PE);
  });

  it("dd 1e fstp qword [esi]: 2^-1074·1.5 → denormal 0x0000000000000002 (tie to even) with UE PE, popped", () => {
    const r = runEmu({ fsave: image(0x37f, [f80(0x3fff - 1074, 0xc000000000000000n)]), code: [0xdd, 0x1e] });
    expect(memHex(r.mem, 8)).toBe("0200000000000000");
    expect(swOf(r) & 0x3f).toBe(UE | PE);
    expect(twOf(r)).toBe(0xffff);
  });

  it("db 3e fstp tword [esi] / db 2e fld tword [esi]: the 80-bit image round-trips unchanged (an SNaN too)", () => {
    const snan = f80(0xffff, 0x8000000000000001n);
    let r = runEmu({ fsave: image(0x37f, [snan]), code: [0xdb, 0x3e] });
    expect(hex80(r.mem)).toBe("ffff:8000000000000001");
    expect(swOf(r) & 0x3f).toBe(0);
    r = runEmu({ fsave: image(0x37f, []), mem: snan, code: [0xdb, 0x2e] });
    expect(stOf(r, 0)).toBe("ffff:8000000000000001");
  });

  it("df 06 fild word [esi] -2 → c000:8000..; df 2e fild qword 0x8000000000000000 → c03e:8000..", () => {
    let r = runEmu({ fsave: image(0x37f, []), mem: Uint8Array.of(0xfe, 0xff), code: [0xdf, 0x06] });
    expect(stOf(r, 0)).toBe("c000:8000000000000000");
    r = runEmu({ fsave: image(0x37f, []), mem: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x80), code: [0xdf, 0x2e] });
    expect(stOf(r, 0)).toBe("c03e:8000000000000000");
  });

  it("df 16 fist word [esi]: 2.5 → 2 (nearest even), 3 with RC=up; 32768.0 → IE, integer indefinite 0x8000", () => {
    const half5 = f80(0x4000, 0xa000000000000000n);
    let r = runEmu({ fsave: image(0x37f, [half5]), code: [0xdf, 0x16] });
    expect(memHex(r.mem, 2)).toBe("0200");
    expect(swOf(r) & (0x3f | C1)).toBe(PE);
    r = runEmu({ fsave: image(0xb7f, [half5]), code: [0xdf, 0x16] });
    expect(memHex(r.mem, 2)).toBe("0300");
    expect(swOf(r) & (0x3f | C1)).toBe(PE | C1);
    r = runEmu({ fsave: image(0x37f, [f80(0x400e, 1n << 63n)]), code: [0xdf, 0x16] });
    expect(memHex(r.mem, 2)).toBe("0080");
    expect(swOf(r) & 0x3f).toBe(IE);
  });

  it("df 36 fbstp / df 26 fbld: -123456789012345678 ↔ packed BCD 78 56 34 12 90 78 56 34 12 80", () => {
    const v = 123456789012345678n, n = v.toString(2).length;
    let r = runEmu({ fsave: image(0x37f, [f80(0x8000 | (0x3fff + n - 1), v << BigInt(64 - n))]), code: [0xdf, 0x36] });
    expect(memHex(r.mem, 10)).toBe("78563412907856341280");
    r = runEmu({ fsave: image(0x37f, []), mem: Uint8Array.from(Buffer.from("78563412907856341280", "hex")), code: [0xdf, 0x26] });
    expect(stOf(r, 0)).toBe(`${(0x8000 | (0x3fff + n - 1)).toString(16)}:${(v << BigInt(64 - n)).toString(16)}`);
  });

  it("df 36 fbstp of 10^18 → IE, BCD indefinite ff ff c0 00.. (bytes 9..7)", () => {
    const v = 10n ** 18n, n = v.toString(2).length;
    const r = runEmu({ fsave: image(0x37f, [f80(0x3fff + n - 1, v << BigInt(64 - n))]), code: [0xdf, 0x36] });
    expect(memHex(r.mem, 10)).toBe("00000000000000c0ffff");
    expect(swOf(r) & 0x3f).toBe(IE);
  });

  it("d9 1e fstp dword [esi] with the stack empty: masked underflow stores 0xffc00000, IE SF", () => {
    const r = runEmu({ fsave: image(0x37f, []), code: [0xd9, 0x1e] });
    expect(memHex(r.mem, 4)).toBe("0000c0ff");
    expect(swOf(r) & 0x7f).toBe(IE | SF);
  });

  it("d9 e8..ee constants: FLDPI C90FDAA22168C235 (nearest) / ..C234 (down); FLDL2E, FLDLG2, FLDLN2, FLDL2T (SDM 8.3.8)", () => {
    const consts = [0xd9, 0xeb, 0xd9, 0xea, 0xd9, 0xec, 0xd9, 0xed, 0xd9, 0xe9, 0xd9, 0xe8, 0xd9, 0xee];
    let r = runEmu({ fsave: image(0x37f, []), code: consts });
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => stOf(r, i))).toEqual([
      "0000:0000000000000000", "3fff:8000000000000000", "4000:d49a784bcd1b8afe", "3ffe:b17217f7d1cf79ac",
      "3ffd:9a209a84fbcff799", "3fff:b8aa3b295c17f0bc", "4000:c90fdaa22168c235",
    ]);
    r = runEmu({ fsave: image(0x77f, []), code: [0xd9, 0xeb] });
    expect(stOf(r, 0)).toBe("4000:c90fdaa22168c234");
    expect(swOf(r) & 0x3f).toBe(0);
  });
});
