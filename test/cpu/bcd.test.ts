// DAA DAS AAA AAS AAM AAD. Expected values from the SDM's pseudocode and its worked examples
// (Vol.2 DAA and DAS "Example"); undefined flags follow the choice in src/cpu/ops/bcd.ts.

import { describe, expect, it } from "vitest";
import { Reg } from "../../src/cpu/constants.js";
import { AF, ARITH, CF, HANDLER, OF, PF, run32, runner32, runReal, SF, ZF } from "./arith.helpers.js";

describe("DAA/DAS", () => {
  it("00 d8 27 add al,bl; daa: 0x79 + 0x35 → 0x14, CF=1 AF=1 PF=1 (SDM DAA example: 79 + 35 = 114)", () => {
    const { r, flags } = run32([0x00, 0xd8, 0x27], { regs: { [Reg.EAX]: 0x79, [Reg.EBX]: 0x35 } });
    expect(r(Reg.EAX)).toBe(0x14);
    expect(flags & ARITH).toBe(CF | AF | PF);
  });
  it("28 d8 2f sub al,bl; das: 0x35 - 0x47 → 0x88, CF=1 AF=1 SF=1 PF=1 (SDM DAS example)", () => {
    const { r, flags } = run32([0x28, 0xd8, 0x2f], { regs: { [Reg.EAX]: 0x35, [Reg.EBX]: 0x47 } });
    expect(r(Reg.EAX)).toBe(0x88);
    expect(flags & ARITH).toBe(CF | AF | SF | PF);
  });
  it("00 d8 27 add al,bl; daa: 0x99 + 0x01 → 0x00, CF=1 ZF=1 (99 + 1 = 100)", () => {
    const { r, flags } = run32([0x00, 0xd8, 0x27], { regs: { [Reg.EAX]: 0x99, [Reg.EBX]: 0x01 } });
    expect(r(Reg.EAX)).toBe(0x00);
    expect(flags & (CF | ZF | AF)).toBe(CF | ZF | AF);
  });
  it("00 d8 27 add al,bl; daa: 0x12 + 0x34 → 0x46, CF=0 AF=0", () => {
    const { r, flags } = run32([0x00, 0xd8, 0x27], { regs: { [Reg.EAX]: 0x12, [Reg.EBX]: 0x34 } });
    expect(r(Reg.EAX)).toBe(0x46);
    expect(flags & (CF | AF | ZF | SF)).toBe(0);
  });
  it("00 d8 27 add al,bl; daa: 0x58 + 0x58 → 0x16 with CF=1 (AF from the add triggers the +6)", () => {
    const { r, flags } = run32([0x00, 0xd8, 0x27], { regs: { [Reg.EAX]: 0x58, [Reg.EBX]: 0x58 } });
    expect(r(Reg.EAX)).toBe(0x16);
    expect(flags & (CF | AF)).toBe(CF | AF);
  });
  it("27 daa with CF=1 and AL=0x00 → 0x60, CF=1 (carry in forces +60)", () => {
    const { r, flags } = run32([0x27], { regs: { [Reg.EAX]: 0x00 }, flags: CF });
    expect(r(Reg.EAX)).toBe(0x60);
    expect(flags & (CF | AF)).toBe(CF);
  });
  it("27 daa: AL=0xfa AF=0 CF=0 → +6 carries out, then +60 → 0x60, CF=1 AF=1", () => {
    const { r, flags } = run32([0x27], { regs: { [Reg.EAX]: 0xfa } });
    expect(r(Reg.EAX)).toBe(0x60);
    expect(flags & (CF | AF)).toBe(CF | AF);
  });
  it("28 d8 2f sub al,bl; das: 0x10 - 0x01 → 0x09, CF=0 AF=1", () => {
    const { r, flags } = run32([0x28, 0xd8, 0x2f], { regs: { [Reg.EAX]: 0x10, [Reg.EBX]: 0x01 } });
    expect(r(Reg.EAX)).toBe(0x09);
    expect(flags & (CF | AF)).toBe(AF);
  });
  it("28 d8 2f sub al,bl; das: 0x00 - 0x01 → 0x99, CF=1 (borrow)", () => {
    const { r, flags } = run32([0x28, 0xd8, 0x2f], { regs: { [Reg.EAX]: 0x00, [Reg.EBX]: 0x01 } });
    expect(r(Reg.EAX)).toBe(0x99);
    expect(flags & CF).toBe(CF);
  });
  it("27 daa: OF = 0 (chosen for the undefined OF)", () => {
    const { flags } = run32([0x27], { regs: { [Reg.EAX]: 0x7a }, flags: OF });
    expect(flags & OF).toBe(0);
  });
  it("00 d8 27 add al,bl; daa gives the packed-BCD sum for every pair of two-digit operands", () => {
    const run = runner32([0x00, 0xd8, 0x27]);
    const bcd = (n: number) => ((n / 10) | 0) * 16 + (n % 10);
    for (let a = 0; a < 100; a += 3) {
      for (let b = 0; b < 100; b += 7) {
        const { r, flags } = run({ regs: { [Reg.EAX]: bcd(a), [Reg.EBX]: bcd(b) } });
        expect([r(Reg.EAX), (flags & CF) !== 0], `${a} + ${b}`).toEqual([bcd((a + b) % 100), a + b >= 100]);
      }
    }
  });
  it("28 d8 2f sub al,bl; das gives the packed-BCD difference (mod 100, CF = borrow) for every pair", () => {
    const run = runner32([0x28, 0xd8, 0x2f]);
    const bcd = (n: number) => ((n / 10) | 0) * 16 + (n % 10);
    for (let a = 0; a < 100; a += 3) {
      for (let b = 0; b < 100; b += 7) {
        const { r, flags } = run({ regs: { [Reg.EAX]: bcd(a), [Reg.EBX]: bcd(b) } });
        expect([r(Reg.EAX), (flags & CF) !== 0], `${a} - ${b}`).toEqual([bcd((a - b + 100) % 100), a < b]);
      }
    }
  });
});

describe("AAA/AAS", () => {
  it("04 08 37 add al,8; aaa: ax=0x0009 → 0x0107 (9 + 8 = 17), CF=1 AF=1", () => {
    const { r, flags } = run32([0x04, 0x08, 0x37], { regs: { [Reg.EAX]: 0x0009 } });
    expect(r(Reg.EAX)).toBe(0x0107);
    expect(flags & (CF | AF)).toBe(CF | AF);
  });
  it("37 aaa: ax=0x00fa → 0x0200 (AX + 106H carries from AL into AH on the 286 and later)", () => {
    const { r, flags } = run32([0x37], { regs: { [Reg.EAX]: 0x00fa } });
    expect(r(Reg.EAX)).toBe(0x0200);
    expect(flags & (CF | AF)).toBe(CF | AF);
  });
  it("37 aaa: ax=0x0505, AF=0 → 0x0505 with the high nibble cleared, CF=0 AF=0", () => {
    const { r, flags } = run32([0x37], { regs: { [Reg.EAX]: 0x05f5 }, flags: CF });
    expect(r(Reg.EAX)).toBe(0x0505);
    expect(flags & (CF | AF)).toBe(0);
  });
  it("2c 05 3f sub al,5; aas: ax=0x0102 (12 - 5) → 0x0007, CF=1 AF=1", () => {
    const { r, flags } = run32([0x2c, 0x05, 0x3f], { regs: { [Reg.EAX]: 0x0102 } });
    expect(r(Reg.EAX)).toBe(0x0007);
    expect(flags & (CF | AF)).toBe(CF | AF);
  });
  it("3f aas: ax=0x0003 AF=1 → AX-6 then AH-1: 0xfe0d", () => {
    const { r, flags } = run32([0x3f], { regs: { [Reg.EAX]: 0x0003 }, flags: AF });
    // AX - 6 = 0xfffd; AH - 1 → 0xfefd; AL AND 0FH → 0xfe0d.
    expect(r(Reg.EAX)).toBe(0xfe0d);
    expect(flags & (CF | AF)).toBe(CF | AF);
  });
  it("37 aaa leaves the upper half of EAX alone", () => {
    const { r } = run32([0x37], { regs: { [Reg.EAX]: 0x1234000b } });
    expect(r(Reg.EAX)).toBe(0x12340101);
  });
});

describe("AAM/AAD", () => {
  it("d4 0a aam: al=63 → ah=6 al=3; SF ZF PF from AL (PF=1 for 0x03)", () => {
    const { r, flags } = run32([0xd4, 0x0a], { regs: { [Reg.EAX]: 0xff3f } });
    expect(r(Reg.EAX)).toBe(0x0603);
    expect(flags & (SF | ZF | PF)).toBe(PF);
  });
  it("d4 10 aam 16: al=0x3f → ah=3 al=0xf", () => {
    const { r } = run32([0xd4, 0x10], { regs: { [Reg.EAX]: 0x3f } });
    expect(r(Reg.EAX)).toBe(0x030f);
  });
  it("d4 0a aam: al=0 → ax=0, ZF=1 PF=1", () => {
    const { r, flags } = run32([0xd4, 0x0a], { regs: { [Reg.EAX]: 0x1200 } });
    expect(r(Reg.EAX)).toBe(0);
    expect(flags & (ZF | PF | SF)).toBe(ZF | PF);
  });
  it("d4 00 aam 0 → #DE (real mode), AX unchanged", () => {
    const o = runReal([0xd4, 0x00], { regs: { [Reg.EAX]: 0x1234 } });
    expect(o.cpu.eip).toBe(HANDLER + 1);
    expect(o.pushedIp()).toBe(0x1000);
    expect(o.r(Reg.EAX)).toBe(0x1234);
  });
  it("d5 0a aad: ax=0x0607 → al=67 (0x43) ah=0", () => {
    const { r, flags } = run32([0xd5, 0x0a], { regs: { [Reg.EAX]: 0x0607 } });
    expect(r(Reg.EAX)).toBe(0x43);
    expect(flags & (SF | ZF)).toBe(0);
  });
  it("d5 10 aad 16: ax=0x0304 → 0x34", () => {
    const { r } = run32([0xd5, 0x10], { regs: { [Reg.EAX]: 0x0304 } });
    expect(r(Reg.EAX)).toBe(0x34);
  });
  it("d5 0a aad: ax=0x0f0f → (15*10 + 15) & 0xff = 0xa5, SF=1", () => {
    const { r, flags } = run32([0xd5, 0x0a], { regs: { [Reg.EAX]: 0x0f0f } });
    expect(r(Reg.EAX)).toBe(0xa5);
    expect(flags & SF).toBe(SF);
  });
});
