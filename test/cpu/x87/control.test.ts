import { describe, expect, it } from "vitest";
import { Cr0, Eflags, Reg } from "../../../src/cpu/constants.js";
import { flat32, load, makeCpu, real16, runToHalt } from "../harness.js";
import { f80, image, runEmu, stOf, swOf } from "./x87harness.js";

/** Real mode at 0000:1000 with every IVT vector pointing at 0000:2000+4*vector (a HLT each). */
function realWithIvt(code: number[], cr0Bits = 0) {
  const { cpu, mem, host } = makeCpu();
  for (let v = 0; v < 32; v++) load(mem, v * 4, [(0x2000 + 4 * v) & 0xff, (0x2000 + 4 * v) >> 8, 0, 0]);
  for (let v = 0; v < 32; v++) load(mem, 0x2000 + 4 * v, [0xf4]);
  load(mem, 0x1000, [...code, 0xf4]);
  real16(cpu, 0, 0x1000);
  cpu.cr0 |= cr0Bits;
  return { cpu, mem, host };
}
/** The vector whose handler halted, or -1 when the code itself reached its HLT. */
const vectorHit = (eip: number) => (eip >= 0x2000 && eip < 0x2080 ? (eip - 0x2001) / 4 : -1);

describe("CR0 and exception delivery (SDM Vol.3 2.5, Vol.1 8.7)", () => {
  it("d9 e8 fld1 with CR0.EM=1 → #NM; with CR0.TS=1 → #NM", () => {
    for (const bit of [Cr0.EM, Cr0.TS]) {
      const { cpu } = realWithIvt([0xd9, 0xe8], bit);
      runToHalt(cpu);
      expect(vectorHit(cpu.eip)).toBe(7);
    }
  });

  it("9b fwait: TS=1 alone → runs; TS=1 and MP=1 → #NM", () => {
    let { cpu } = realWithIvt([0x9b], Cr0.TS);
    runToHalt(cpu);
    expect(vectorHit(cpu.eip)).toBe(-1);
    ({ cpu } = realWithIvt([0x9b], Cr0.TS | Cr0.MP));
    runToHalt(cpu);
    expect(vectorHit(cpu.eip)).toBe(7);
  });

  it("unmasked ZE (fldcw 0x37b; 1/0) is delivered at the next FWAIT: CR0.NE=1 → #MF (vector 16)", () => {
    // fninit; fldcw [0x3000]; fld1; fldz; fdivp st1; fwait
    const { cpu, mem } = realWithIvt([0xdb, 0xe3, 0xd9, 0x2e, 0x00, 0x30, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0x9b], Cr0.NE);
    load(mem, 0x3000, [0x7b, 0x03]);
    runToHalt(cpu);
    expect(vectorHit(cpu.eip)).toBe(16);
    expect(cpu.fpu.status() & 0x8084).toBe(0x8084); // B ES ZE
  });

  it("same with CR0.NE=0 → no #MF: FERR# asserted through host.ferr, released by FNCLEX", () => {
    const code = [0xdb, 0xe3, 0xd9, 0x2e, 0x00, 0x30, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0x9b];
    let { cpu, mem, host } = realWithIvt(code);
    load(mem, 0x3000, [0x7b, 0x03]);
    runToHalt(cpu);
    expect(vectorHit(cpu.eip)).toBe(-1);
    expect(host.ferrAsserted).toBe(true);
    ({ cpu, mem, host } = realWithIvt([...code, 0xdb, 0xe2]));
    load(mem, 0x3000, [0x7b, 0x03]);
    runToHalt(cpu);
    expect(host.ferrAsserted).toBe(false);
    expect(cpu.fpu.status() & 0x80ff).toBe(0);
  });

  it("0f ae 06 fxsave [0x3008] (not 16-byte aligned) → #GP; with CR0.EM=1 → #UD; 0f ae 16 ldmxcsr → #UD", () => {
    let { cpu } = realWithIvt([0x0f, 0xae, 0x06, 0x08, 0x30]);
    runToHalt(cpu);
    expect(vectorHit(cpu.eip)).toBe(13);
    ({ cpu } = realWithIvt([0x0f, 0xae, 0x06, 0x00, 0x30], Cr0.EM));
    runToHalt(cpu);
    expect(vectorHit(cpu.eip)).toBe(6);
    const r = realWithIvt([0x0f, 0xae, 0x16, 0x00, 0x30]);
    runToHalt(r.cpu);
    expect(vectorHit(r.cpu.eip)).toBe(6);
    expect(r.host.reports).toEqual([]);
  });
});

describe("environment and state images (SDM Vol.1 Figures 8-9..8-12, FXSAVE Table 3-53)", () => {
  it("d9 36 fnstenv (32-bit protected): CW SW TW FIP FCS|FOP<<16 FDP FDS, then all exceptions masked", () => {
    const { cpu, mem } = makeCpu();
    // fninit; fld dword [0x3000]; fnstenv [0x4000]; hlt
    load(mem, 0x1000, [0xdb, 0xe3, 0xd9, 0x05, 0x00, 0x30, 0x00, 0x00, 0xd9, 0x35, 0x00, 0x40, 0x00, 0x00, 0xf4]);
    load(mem, 0x3000, [0, 0, 0x80, 0x3f]);
    flat32(cpu, 0x1000);
    cpu.fpu.cw = 0x0340;
    runToHalt(cpu);
    const w = (o: number) => mem.view.getUint32(0x4000 + o, true);
    expect([w(0), w(4), w(8), w(12), w(16), w(20), w(24)].map((v) => v.toString(16))).toEqual(
      ["ffff037f", "ffff3800", "ffff3fff", "1002", (0x105 << 16 | 0x08).toString(16), "3000", "ffff0010"]);
    expect(cpu.fpu.cw).toBe(0x037f);
  });

  it("dd 36 fnsave / dd 26 frstor (16-bit real mode): registers and status round-trip, FNSAVE reinitializes", () => {
    // fld1; fldpi; fnsave [0x3000]; fld1 ; frstor [0x3000]; hlt
    const { cpu, mem } = realWithIvt([0xd9, 0xe8, 0xd9, 0xeb, 0xdd, 0x36, 0x00, 0x30, 0xd9, 0xee, 0xdd, 0x26, 0x00, 0x30]);
    runToHalt(cpu);
    expect(mem.view.getUint16(0x3000 + 2, true)).toBe(0x3000); // TOP=6 at save time
    expect(mem.view.getUint16(0x3000 + 4, true)).toBe(0x0fff); // R6 R7 valid
    const f = cpu.fpu;
    expect(f.top).toBe(6);
    expect(f.signExp[f.phys(0)]).toBe(0x4000);
    expect(f.signExp[f.phys(1)]).toBe(0x3fff);
  });

  it("0f ae 06 / 0f ae 0e fxsave/fxrstor: abridged tag, FCW/FSW, MXCSR 0x1f80, ST(i) at 32+16i", () => {
    const { cpu, mem } = realWithIvt([0xd9, 0xe8, 0x0f, 0xae, 0x06, 0x00, 0x30, 0xdb, 0xe3, 0x0f, 0xae, 0x0e, 0x00, 0x30]);
    runToHalt(cpu);
    const v = mem.view;
    expect([v.getUint16(0x3000, true), v.getUint16(0x3002, true), v.getUint8(0x3004), v.getUint32(0x3018, true)])
      .toEqual([0x037f, 0x3800, 0x80, 0x1f80]);
    expect(v.getUint16(0x3000 + 40, true)).toBe(0x3fff);
    expect(cpu.fpu.top).toBe(7);
    expect(cpu.fpu.ftw).toBe(0x80);
  });

  it("df e0 fnstsw ax after fld1; fldz; fcompp (1 > 0): AX = C3 C2 C0 = 000, TOP 0", () => {
    const { cpu } = realWithIvt([0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xd9, 0xdf, 0xe0]);
    runToHalt(cpu);
    expect(cpu.regs[Reg.EAX] & 0xffff).toBe(0x0100); // ST0=0 < ST1=1 → C0
  });
});

describe("compares and classification", () => {
  const one = f80(0x3fff, 1n << 63n), two = f80(0x4000, 1n << 63n), qnan = f80(0x7fff, 0xc000000000000001n);
  it("d8 d1 fcom: 1 vs 2 → C0; dd e1 fucom with a QNaN → unordered C3 C2 C0 without IE; fcom → IE", () => {
    expect(swOf(runEmu({ fsave: image(0x37f, [one, two]), code: [0xd8, 0xd1] })) & 0x4701).toBe(0x0100);
    expect(swOf(runEmu({ fsave: image(0x37f, [one, qnan]), code: [0xdd, 0xe1] })) & 0x4701).toBe(0x4500);
    expect(swOf(runEmu({ fsave: image(0x37f, [one, qnan]), code: [0xd8, 0xd1] })) & 0x4701).toBe(0x4501);
  });
  it("db f1 fcomi: 2 vs 1 → ZF PF CF clear; equal → ZF; NaN → ZF PF CF and IE", () => {
    const m = Eflags.ZF | Eflags.PF | Eflags.CF;
    expect(runEmu({ fsave: image(0x37f, [two, one]), code: [0xdb, 0xf1], eflags: m }).eflags & m).toBe(0);
    expect(runEmu({ fsave: image(0x37f, [two, two]), code: [0xdb, 0xf1] }).eflags & m).toBe(Eflags.ZF);
    const r = runEmu({ fsave: image(0x37f, [qnan, one]), code: [0xdb, 0xf1] });
    expect([r.eflags & m, swOf(r) & 1]).toEqual([m, 1]);
  });
  it("d9 e5 fxam: +normal 010, -zero 100 C1=1, denormal 110, inf 011, NaN 001, empty 101, unnormal 000", () => {
    const cases: Array<[Uint8Array | null, number]> = [
      [one, 0x0400], [f80(0x8000, 0n), 0x4200], [f80(0, 5n), 0x4400], [f80(0x7fff, 1n << 63n), 0x0500],
      [qnan, 0x0100], [null, 0x4100], [f80(0x3fff, 1n), 0x0000],
    ];
    for (const [v, cc] of cases) expect(swOf(runEmu({ fsave: image(0x37f, v ? [v] : []), code: [0xd9, 0xe5] })) & 0x4700).toBe(cc);
  });
  it("da c1 fcmovb st0,st1: CF=1 → ST0 = ST1; CF=0 → unchanged", () => {
    expect(stOf(runEmu({ fsave: image(0x37f, [one, two]), code: [0xda, 0xc1], eflags: Eflags.CF }), 0)).toBe("4000:8000000000000000");
    expect(stOf(runEmu({ fsave: image(0x37f, [one, two]), code: [0xda, 0xc1] }), 0)).toBe("3fff:8000000000000000");
  });
});

it("last-instruction pointers: FIP/FCS/FOP of fadd dword [ebx+4], FDP/FDS of its operand (FNSTENV)", () => {
  const { cpu, mem } = makeCpu();
  // fld1; fadd dword [ebx+4]; fnstenv [0x4000]; hlt
  load(mem, 0x1000, [0xd9, 0xe8, 0xd8, 0x43, 0x04, 0xd9, 0x35, 0x00, 0x40, 0x00, 0x00, 0xf4]);
  flat32(cpu, 0x1000);
  cpu.regs[3] = 0x3000;
  runToHalt(cpu);
  const w = (o: number) => mem.view.getUint32(0x4000 + o, true);
  expect([w(12), w(16) >>> 16, w(20)]).toEqual([0x1002, 0x043, 0x3004]);
});
