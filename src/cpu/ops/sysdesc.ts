// System-table instructions: LGDT LIDT SGDT SIDT, LLDT SLDT LTR STR, ARPL, LAR LSL, VERR VERW,
// SMSW LMSW (SDM Vol.2; Vol.3 2.4, 5.10).

import type { Cpu } from "../cpu.js";
import { Cr0, Desc, Eflags, Exc, Seg, SysType } from "../constants.js";
import { eaOffset, eaSeg, Rec } from "../decoder.js";
import { raise } from "../fault.js";
import { materialize } from "../flags.js";
import { probeWrite, read16, read32, write16, write32 } from "../mmu.js";
import { Descriptor, descDpl, descLimit, descPresent, descType, isCode, isConforming, isNullSel, isReadable, isSystem, isWritableData, loadCache, readDescriptor, selErr, setTssBusy } from "../system/descriptors.js";
import { readRm16, readRmw16, regField, setReg16, writeRmw16 } from "./operands.js";
import { defineOp } from "./registry.js";

const desc = new Descriptor();

/** SLDT STR LLDT LTR LAR LSL VERR VERW ARPL exist only in protected mode (#UD in real and V86). */
function requireProtected(cpu: Cpu): void {
  if ((cpu.cr0 & Cr0.PE) === 0 || (cpu.flags & Eflags.VM) !== 0) raise(Exc.UD);
}

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) raise(Exc.GP, 0);
}

/** A 16-bit value to Ew; a register destination with 32-bit operand size gets it zero-extended. */
function storeSelector(cpu: Cpu, d: number, v: number, op32: boolean): void {
  const m = cpu.dec[d + Rec.MODRM];
  if (m < 0xc0) write16(cpu, eaSeg(cpu, d), eaOffset(cpu, d), v);
  else if (op32) cpu.regs[m & 7] = v & 0xffff;
  else setReg16(cpu, m & 7, v);
}

function setZF(cpu: Cpu, z: boolean): void {
  materialize(cpu);
  cpu.flags = z ? cpu.flags | Eflags.ZF : cpu.flags & ~Eflags.ZF;
}

// ---- 0F 01 /0-/3: descriptor-table registers. A 16-bit operand size loads a 24-bit base;
// SGDT/SIDT always store the full 32-bit base (SDM Vol.2 LGDT, SGDT). ----
function storeTable(cpu: Cpu, d: number, limit: number, base: number): void {
  const s = eaSeg(cpu, d), off = eaOffset(cpu, d);
  probeWrite(cpu, s, off, 6);
  write16(cpu, s, off, limit);
  write32(cpu, s, (off + 2) | 0, base);
}
function loadTable(cpu: Cpu, d: number, op32: boolean, idt: boolean): void {
  requireCpl0(cpu);
  const s = eaSeg(cpu, d), off = eaOffset(cpu, d);
  const limit = read16(cpu, s, off);
  let base = read32(cpu, s, (off + 2) | 0);
  if (!op32) base &= 0xffffff;
  if (idt) { cpu.idtrLimit = limit; cpu.idtrBase = base; } else { cpu.gdtrLimit = limit; cpu.gdtrBase = base; }
}
defineOp("op_0f_01_0_mem", (cpu: Cpu, d: number) => storeTable(cpu, d, cpu.gdtrLimit, cpu.gdtrBase));
defineOp("op_0f_01_1_mem", (cpu: Cpu, d: number) => storeTable(cpu, d, cpu.idtrLimit, cpu.idtrBase));
defineOp("op_0f_01_2_mem", (cpu: Cpu, d: number) => loadTable(cpu, d, false, false), (cpu: Cpu, d: number) => loadTable(cpu, d, true, false));
defineOp("op_0f_01_3_mem", (cpu: Cpu, d: number) => loadTable(cpu, d, false, true), (cpu: Cpu, d: number) => loadTable(cpu, d, true, true));

// ---- 0F 01 /4 smsw Ew, /6 lmsw Ew (SDM Vol.2 SMSW, LMSW) ----
// SMSW to a 32-bit register stores all of CR0 (the SDM leaves bits 31:16 undefined).
defineOp("op_0f_01_4", (cpu: Cpu, d: number) => storeSelector(cpu, d, cpu.cr0 & 0xffff, false),
  (cpu: Cpu, d: number) => {
    if (cpu.dec[d + Rec.MODRM] >= 0xc0) cpu.regs[cpu.dec[d + Rec.MODRM] & 7] = cpu.cr0;
    else storeSelector(cpu, d, cpu.cr0 & 0xffff, true);
  });
// LMSW loads PE MP EM TS; it can set PE but never clear it.
defineOp("op_0f_01_6", (cpu: Cpu, d: number) => {
  requireCpl0(cpu);
  const v = readRm16(cpu, d);
  cpu.cr0 = (cpu.cr0 & ~0xe) | (v & 0xf);
  cpu.updateMode();
});

// ---- 0F 00 /0 sldt, /1 str ----
defineOp("op_0f_00_0", (cpu: Cpu, d: number) => { requireProtected(cpu); storeSelector(cpu, d, cpu.segSel[Seg.LDTR], false); },
  (cpu: Cpu, d: number) => { requireProtected(cpu); storeSelector(cpu, d, cpu.segSel[Seg.LDTR], true); });
defineOp("op_0f_00_1", (cpu: Cpu, d: number) => { requireProtected(cpu); storeSelector(cpu, d, cpu.segSel[Seg.TR], false); },
  (cpu: Cpu, d: number) => { requireProtected(cpu); storeSelector(cpu, d, cpu.segSel[Seg.TR], true); });

// ---- 0F 00 /2 lldt Ew (SDM Vol.2 LLDT): a null selector leaves LDTR unusable ----
defineOp("op_0f_00_2", (cpu: Cpu, d: number) => {
  requireProtected(cpu);
  requireCpl0(cpu);
  const sel = readRm16(cpu, d);
  if (isNullSel(sel)) { cpu.setSegCache(Seg.LDTR, sel, 0, 0, Desc.UNUSABLE); return; }
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel, desc)) raise(Exc.GP, selErr(sel));
  if (!isSystem(desc) || descType(desc) !== SysType.LDT) raise(Exc.GP, selErr(sel));
  if (!descPresent(desc)) raise(Exc.NP, selErr(sel));
  loadCache(cpu, Seg.LDTR, sel, desc);
});

// ---- 0F 00 /3 ltr Ew (SDM Vol.2 LTR): an available TSS, marked busy ----
defineOp("op_0f_00_3", (cpu: Cpu, d: number) => {
  requireProtected(cpu);
  requireCpl0(cpu);
  const sel = readRm16(cpu, d);
  if (isNullSel(sel)) raise(Exc.GP, 0);
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel, desc)) raise(Exc.GP, selErr(sel));
  const t = descType(desc);
  if (!isSystem(desc) || (t !== 1 && t !== 9)) raise(Exc.GP, selErr(sel));
  if (!descPresent(desc)) raise(Exc.NP, selErr(sel));
  setTssBusy(cpu, desc, true);
  loadCache(cpu, Seg.TR, sel, desc);
});

// ---- LAR LSL VERR VERW: ZF reports whether the descriptor is visible at this privilege ----

/** Reads the descriptor `sel` names for an access-rights probe; false when it cannot be seen. */
function probeDescriptor(cpu: Cpu, sel: number): boolean {
  if (isNullSel(sel) || !readDescriptor(cpu, sel, desc)) return false;
  // Conforming code is visible at any privilege; everything else needs DPL >= CPL and RPL.
  if (isConforming(desc)) return true;
  return descDpl(desc) >= cpu.cpl && descDpl(desc) >= (sel & 3);
}

// System types LAR accepts (SDM Vol.2 LAR Table 3-61): TSSs, LDT, call gates, task gate.
const LAR_SYS = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 11) | (1 << 12);
// System types LSL accepts: TSSs and LDT.
const LSL_SYS = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 11);

function larLsl(cpu: Cpu, d: number, op32: boolean, lsl: boolean): void {
  requireProtected(cpu);
  const sel = readRm16(cpu, d);
  const ok = probeDescriptor(cpu, sel) && (!isSystem(desc) || ((lsl ? LSL_SYS : LAR_SYS) >> descType(desc)) & 1) !== 0;
  setZF(cpu, ok);
  if (!ok) return;
  const v = lsl ? descLimit(desc) : desc.hi & 0x00f0ff00;
  const r = regField(cpu, d);
  if (op32) cpu.regs[r] = v; else setReg16(cpu, r, v);
}
defineOp("op_0f_02", (cpu: Cpu, d: number) => larLsl(cpu, d, false, false), (cpu: Cpu, d: number) => larLsl(cpu, d, true, false));
defineOp("op_0f_03", (cpu: Cpu, d: number) => larLsl(cpu, d, false, true), (cpu: Cpu, d: number) => larLsl(cpu, d, true, true));

defineOp("op_0f_00_4", (cpu: Cpu, d: number) => {
  requireProtected(cpu);
  const sel = readRm16(cpu, d);
  setZF(cpu, probeDescriptor(cpu, sel) && !isSystem(desc) && isReadable(desc));
});
defineOp("op_0f_00_5", (cpu: Cpu, d: number) => {
  requireProtected(cpu);
  const sel = readRm16(cpu, d);
  setZF(cpu, probeDescriptor(cpu, sel) && !isCode(desc) && isWritableData(desc));
});

// ---- 63 arpl Ew,Gw: raise the destination selector's RPL to the source's ----
defineOp("op_63", (cpu: Cpu, d: number) => {
  requireProtected(cpu);
  const dst = readRmw16(cpu, d);
  const src = cpu.regs[regField(cpu, d)] & 3;
  if ((dst & 3) < src) {
    writeRmw16(cpu, d, (dst & ~3) | src);
    setZF(cpu, true);
  } else {
    setZF(cpu, false);
  }
});
