// FPU control instructions (SDM Vol.1 8.3.11, 8.1.10; Vol.2 FINIT/FNINIT FCLEX/FNCLEX FLDCW
// FSTCW FSTSW FSTENV FLDENV FSAVE FRSTOR WAIT/FWAIT FXSAVE FXRSTOR). None of these update the
// last-instruction pointers.
//
// x87 environment (SDM Vol.1 Figures 8-9 .. 8-12), offsets in bytes:
//   32-bit protected: 0 CW  4 SW  8 TW  12 FIP  16 FCS | FOP<<16  20 FDP  24 FDS    (28 bytes)
//   32-bit real/V86:  0 CW  4 SW  8 TW  12 FIP[15:0]  16 FOP | FIP[31:16]<<12  20 FDP[15:0]
//                     24 FDP[31:16]<<12 (pointers are linear addresses)
//   16-bit protected: 0 CW  2 SW  4 TW  6 FIP  8 FCS  10 FDP  12 FDS              (14 bytes)
//   16-bit real/V86:  0 CW  2 SW  4 TW  6 FIP[15:0]  8 FOP | FIP[19:16]<<12  10 FDP[15:0]
//                     12 FDP[19:16]<<12
// Unused upper halves of the 32-bit forms are stored as 0xffff (as silicon does).
// FSAVE/FRSTOR follow the environment with ST(0)..ST(7), 10 bytes each.

import type { Cpu } from "../cpu.js";
import { Cr0, Eflags, Exc, Reg } from "../constants.js";
import { eaOffset, eaSeg, Pfx, Rec } from "../decoder.js";
import { CPUID_FXSR } from "../cpuid.js";
import { raise } from "../fault.js";
import { read16, read32, write16, write32 } from "../mmu.js";
import { defineOp } from "../ops/registry.js";
import { fpuNoWait, fpuWait, fwait } from "./common.js";
import { SW_B, SW_ES } from "./fpu.js";

const CW_MASK = 0x1f3f, CW_ONES = 0x0040;

// The area being accessed (set by at()), so the field helpers below need no closures.
let aCpu: Cpu | null = null, aSeg = 0, aOff = 0;
function at(cpu: Cpu, seg: number, off: number): void { aCpu = cpu; aSeg = seg; aOff = off; }
function w16(o: number, v: number): void { write16(aCpu!, aSeg, (aOff + o) | 0, v); }
function w32(o: number, v: number): void { write32(aCpu!, aSeg, (aOff + o) | 0, v); }
function r16(o: number): number { return read16(aCpu!, aSeg, (aOff + o) | 0); }
function r32(o: number): number { return read32(aCpu!, aSeg, (aOff + o) | 0); }

function realLayout(cpu: Cpu): boolean {
  return (cpu.cr0 & Cr0.PE) === 0 || (cpu.flags & Eflags.VM) !== 0;
}
const op32 = (cpu: Cpu, d: number) => (cpu.dec[d + Rec.LEN] & Pfx.OP32) !== 0;

/** Stores the environment at seg:off; returns its size (14 or 28). */
function storeEnv(cpu: Cpu, seg: number, off: number, is32: boolean): number {
  const f = cpu.fpu;
  at(cpu, seg, off);
  const tw = f.tagWord();
  if (realLayout(cpu)) {
    const ip = (f.fip + (f.fcs << 4)) | 0, dp = (f.fdp + (f.fds << 4)) | 0;
    if (is32) {
      w32(0, f.cw | 0xffff0000); w32(4, f.status() | 0xffff0000); w32(8, tw | 0xffff0000);
      w32(12, (ip & 0xffff) | 0xffff0000); w32(16, (f.fop & 0x7ff) | (((ip >>> 16) & 0xffff) << 12));
      w32(20, (dp & 0xffff) | 0xffff0000); w32(24, ((dp >>> 16) & 0xffff) << 12);
      return 28;
    }
    w16(0, f.cw); w16(2, f.status()); w16(4, tw); w16(6, ip);
    w16(8, (f.fop & 0x7ff) | (((ip >>> 16) & 0xf) << 12)); w16(10, dp); w16(12, ((dp >>> 16) & 0xf) << 12);
    return 14;
  }
  if (is32) {
    w32(0, f.cw | 0xffff0000); w32(4, f.status() | 0xffff0000); w32(8, tw | 0xffff0000);
    w32(12, f.fip); w32(16, (f.fcs & 0xffff) | ((f.fop & 0x7ff) << 16)); w32(20, f.fdp); w32(24, f.fds | 0xffff0000);
    return 28;
  }
  w16(0, f.cw); w16(2, f.status()); w16(4, tw); w16(6, f.fip); w16(8, f.fcs); w16(10, f.fdp); w16(12, f.fds);
  return 14;
}

// Environment read by loadEnvRead before anything is changed: CW, SW, TW, FIP, FCS, FDP, FDS, FOP.
const ENV = new Int32Array(8);

function readEnv(cpu: Cpu, seg: number, off: number, is32: boolean): number {
  at(cpu, seg, off);
  if (realLayout(cpu)) {
    if (is32) {
      ENV[0] = r16(0); ENV[1] = r16(4); ENV[2] = r16(8);
      const w16v = r32(16), w24 = r32(24);
      ENV[3] = (r16(12) | (((w16v >>> 12) & 0xffff) << 16)) | 0; ENV[4] = 0;
      ENV[7] = w16v & 0x7ff;
      ENV[5] = (r16(20) | (((w24 >>> 12) & 0xffff) << 16)) | 0; ENV[6] = 0;
      return 28;
    }
    ENV[0] = r16(0); ENV[1] = r16(2); ENV[2] = r16(4);
    const w8 = r16(8), w12 = r16(12);
    ENV[3] = r16(6) | ((w8 >>> 12) << 16); ENV[4] = 0; ENV[7] = w8 & 0x7ff;
    ENV[5] = r16(10) | ((w12 >>> 12) << 16); ENV[6] = 0;
    return 14;
  }
  if (is32) {
    ENV[0] = r16(0); ENV[1] = r16(4); ENV[2] = r16(8);
    ENV[3] = r32(12); const w = r32(16); ENV[4] = w & 0xffff; ENV[7] = (w >>> 16) & 0x7ff;
    ENV[5] = r32(20); ENV[6] = r16(24);
    return 28;
  }
  ENV[0] = r16(0); ENV[1] = r16(2); ENV[2] = r16(4);
  ENV[3] = r16(6); ENV[4] = r16(8); ENV[5] = r16(10); ENV[6] = r16(12); ENV[7] = 0;
  return 14;
}

function commitEnv(cpu: Cpu): void {
  const f = cpu.fpu;
  f.cw = (ENV[0] & CW_MASK) | CW_ONES;
  f.setStatus(ENV[1]);
  let ftw = 0;
  for (let r = 0; r < 8; r++) if (((ENV[2] >> (2 * r)) & 3) !== 3) ftw |= 1 << r;
  f.ftw = ftw;
  f.fip = ENV[3]; f.fcs = ENV[4]; f.fdp = ENV[5]; f.fds = ENV[6]; f.fop = ENV[7];
  f.recomputeES();
}

// D9 /6: FNSTENV — store, then mask all exceptions.
defineOp("op_d9_6_mem", (cpu, d) => {
  fpuNoWait(cpu);
  storeEnv(cpu, eaSeg(cpu, d), eaOffset(cpu, d), op32(cpu, d));
  cpu.fpu.cw |= 0x3f;
});
// D9 /4: FLDENV
defineOp("op_d9_4_mem", (cpu, d) => {
  fpuWait(cpu);
  readEnv(cpu, eaSeg(cpu, d), eaOffset(cpu, d), op32(cpu, d));
  commitEnv(cpu);
});

// DD /6: FNSAVE — environment and registers, then FNINIT.
defineOp("op_dd_6_mem", (cpu, d) => {
  fpuNoWait(cpu);
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  const f = cpu.fpu;
  let o = (off + storeEnv(cpu, seg, off, op32(cpu, d))) | 0;
  for (let i = 0; i < 8; i++, o = (o + 10) | 0) {
    const r = f.phys(i);
    write32(cpu, seg, o, f.mantLo[r]);
    write32(cpu, seg, (o + 4) | 0, f.mantHi[r]);
    write16(cpu, seg, (o + 8) | 0, f.signExp[r]);
  }
  f.init();
});

const REG_LO = new Int32Array(8), REG_HI = new Int32Array(8), REG_SE = new Uint16Array(8);

// DD /4: FRSTOR
defineOp("op_dd_4_mem", (cpu, d) => {
  fpuWait(cpu);
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  let o = (off + readEnv(cpu, seg, off, op32(cpu, d))) | 0;
  for (let i = 0; i < 8; i++, o = (o + 10) | 0) {
    REG_LO[i] = read32(cpu, seg, o);
    REG_HI[i] = read32(cpu, seg, (o + 4) | 0);
    REG_SE[i] = read16(cpu, seg, (o + 8) | 0);
  }
  commitEnv(cpu);
  const f = cpu.fpu;
  for (let i = 0; i < 8; i++) {
    const r = f.phys(i);
    f.mantLo[r] = REG_LO[i]; f.mantHi[r] = REG_HI[i]; f.signExp[r] = REG_SE[i];
  }
});

// D9 /5 FLDCW, D9 /7 FNSTCW, DD /7 FNSTSW m16, DF E0 FNSTSW AX.
defineOp("op_d9_5_mem", (cpu, d) => {
  fpuWait(cpu);
  const v = read16(cpu, eaSeg(cpu, d), eaOffset(cpu, d));
  cpu.fpu.cw = (v & CW_MASK) | CW_ONES;
  cpu.fpu.recomputeES();
});
defineOp("op_d9_7_mem", (cpu, d) => {
  fpuNoWait(cpu);
  write16(cpu, eaSeg(cpu, d), eaOffset(cpu, d), cpu.fpu.cw);
});
defineOp("op_dd_7_mem", (cpu, d) => {
  fpuNoWait(cpu);
  write16(cpu, eaSeg(cpu, d), eaOffset(cpu, d), cpu.fpu.status());
});
defineOp("op_df_4_r0", (cpu) => {
  fpuNoWait(cpu);
  cpu.regs[Reg.EAX] = (cpu.regs[Reg.EAX] & ~0xffff) | cpu.fpu.status();
});

// DB E3 FNINIT, DB E2 FNCLEX (both release FERR#), DB E0/E1/E4 FNENI/FNDISI/FSETPM (no-ops since the 387).
defineOp("op_db_4_r3", (cpu) => {
  fpuNoWait(cpu);
  cpu.fpu.init();
  cpu.host.ferr(cpu, false);
});
defineOp("op_db_4_r2", (cpu) => {
  fpuNoWait(cpu);
  cpu.fpu.sw &= ~(0x7f | SW_ES | SW_B);
  cpu.host.ferr(cpu, false);
});
defineOp("op_db_4_r0", (cpu) => fpuNoWait(cpu));
defineOp("op_db_4_r1", (cpu) => fpuNoWait(cpu));
defineOp("op_db_4_r4", (cpu) => fpuNoWait(cpu));

// 9B: WAIT/FWAIT
defineOp("op_9b", (cpu) => fwait(cpu));

// ---- FXSAVE / FXRSTOR (SDM Vol.2 FXSAVE Table 3-53, non-64-bit layout) ----
//   0 FCW  2 FSW  4 abridged FTW  6 FOP  8 FIP  12 FCS  16 FDP  20 FDS  24 MXCSR  28 MXCSR_MASK
//   32 + 16*i: ST(i) (10 bytes, 6 reserved). XMM registers do not exist on this model.

function fxCheck(cpu: Cpu, d: number): number {
  if ((cpu.cpuidEdx1 & CPUID_FXSR) === 0) raise(Exc.UD); // no FXSR: an undefined opcode
  if (cpu.cr0 & Cr0.EM) raise(Exc.UD);
  if (cpu.cr0 & Cr0.TS) raise(Exc.NM);
  const seg = eaSeg(cpu, d), off = eaOffset(cpu, d);
  if (((cpu.segBase[seg] + off) & 15) !== 0) raise(Exc.GP, 0);
  return off;
}

defineOp("op_0f_ae_0_mem", (cpu, d) => {
  const off = fxCheck(cpu, d), seg = eaSeg(cpu, d);
  const f = cpu.fpu;
  at(cpu, seg, off);
  w16(0, f.cw); w16(2, f.status()); w16(4, f.ftw & 0xff); w16(6, f.fop & 0x7ff);
  w32(8, f.fip); w32(12, f.fcs & 0xffff); w32(16, f.fdp); w32(20, f.fds & 0xffff);
  w32(24, 0x1f80); w32(28, 0);
  for (let i = 0; i < 8; i++) {
    const r = f.phys(i), o = 32 + 16 * i;
    w32(o, f.mantLo[r]); w32(o + 4, f.mantHi[r]); w32(o + 8, f.signExp[r]); w32(o + 12, 0);
  }
});

defineOp("op_0f_ae_1_mem", (cpu, d) => {
  const off = fxCheck(cpu, d), seg = eaSeg(cpu, d);
  at(cpu, seg, off);
  const cw = r16(0), sw = r16(2), ftw = r16(4) & 0xff, fop = r16(6) & 0x7ff;
  const fip = r32(8), fcs = r16(12), fdp = r32(16), fds = r16(20);
  for (let i = 0; i < 8; i++) {
    const o = 32 + 16 * i;
    REG_LO[i] = r32(o); REG_HI[i] = r32(o + 4); REG_SE[i] = r16(o + 8);
  }
  const f = cpu.fpu;
  f.cw = (cw & CW_MASK) | CW_ONES;
  f.setStatus(sw);
  f.ftw = ftw;
  f.fop = fop; f.fip = fip; f.fcs = fcs; f.fdp = fdp; f.fds = fds;
  for (let i = 0; i < 8; i++) {
    const r = f.phys(i);
    f.mantLo[r] = REG_LO[i]; f.mantHi[r] = REG_HI[i]; f.signExp[r] = REG_SE[i];
  }
  f.recomputeES();
});

// 0F AE /2 LDMXCSR, /3 STMXCSR, /7 CLFLUSH: #UD (no SSE or CLFSH in CPUID).
defineOp("op_0f_ae_2_mem", () => raise(Exc.UD));
defineOp("op_0f_ae_3_mem", () => raise(Exc.UD));
defineOp("op_0f_ae_7_mem", () => raise(Exc.UD));
