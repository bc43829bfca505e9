// String instructions (SDM Vol.2 MOVS CMPS STOS LODS SCAS INS OUTS, REP/REPE/REPNE; Vol.1 7.3.9).
//
// Source: seg:(E)SI, seg = DS or the override. Destination: ES:(E)DI, never overridable.
// The address size picks SI/DI/CX (upper halves untouched) or ESI/EDI/ECX; EFLAGS.DF picks the
// direction. F2 on a non-comparing string instruction repeats like F3.
//
// REP and icount (cpu.ts, `icount`): every iteration retires as one instruction. A REP handler
// runs iterations while the count is nonzero, the REPE/REPNE condition holds, the run's budget
// (icountLimit) allows, TF is clear and nothing asked for attention. Inside the loop cpu.icount
// counts completed iterations, so a fault in an iteration leaves registers and icount as of the
// completed ones (EIP goes back to the instruction, which restarts with the remaining count).
// On a normal exit the handler takes one back off: the run loop adds the last one. When
// iterations remain, EIP is set back to the instruction so it resumes where it stopped.
//
// REP MOVS/STOS/CMPS/SCAS handle whole runs of elements at once when the operands sit in RAM
// pages the TLB already grants, within the segment limits, one page each (nothing in a run can
// fault); MOVS keeps the element-by-element result even for overlapping operands.

import type { Cpu } from "../cpu.js";
import { Eflags, Reg, Seg } from "../constants.js";
import { eaSeg, Pfx, Rec } from "../decoder.js";
import { setLazy, Lz } from "../flags.js";
import { probeWrite, read16, read32, read8, write16, write32, write8 } from "../mmu.js";
import { checkIoPermission } from "../system/io.js";
import { setReg16, setReg8 } from "./operands.js";
import { defineOp } from "./registry.js";

const REP_ANY = Pfx.REP | Pfx.REPNE;

function readN(cpu: Cpu, seg: number, off: number, s: number): number {
  return s === 1 ? read8(cpu, seg, off) : s === 2 ? read16(cpu, seg, off) : read32(cpu, seg, off);
}
function writeN(cpu: Cpu, seg: number, off: number, v: number, s: number): void {
  if (s === 1) write8(cpu, seg, off, v & 0xff);
  else if (s === 2) write16(cpu, seg, off, v & 0xffff);
  else write32(cpu, seg, off, v);
}
function setAcc(cpu: Cpu, v: number, s: number): void {
  if (s === 1) setReg8(cpu, Reg.EAX, v);
  else if (s === 2) setReg16(cpu, Reg.EAX, v);
  else cpu.regs[Reg.EAX] = v;
}

/** Iterations this call may retire: up to the run's icount limit, one under single-step. */
function repBudget(cpu: Cpu): number {
  if ((cpu.flags & Eflags.TF) !== 0) return 1;
  const b = cpu.icountLimit - cpu.icount;
  return b < 1 ? 1 : b;
}

/** Address-size register update: the bits outside `amask` are kept. */
function setIdx(cpu: Cpu, r: number, v: number, amask: number): void {
  cpu.regs[r] = (cpu.regs[r] & ~amask) | (v & amask);
}

/**
 * How many elements (at most `max`) can be accessed at offset `u` of `seg` in the direction of
 * `delta` without leaving the segment (`lim`: segLimR/segLimW), the address-size range or the
 * page, with the page granting `acc` in the TLB. 0 when the fast path cannot be used.
 */
function runLength(cpu: Cpu, seg: number, u: number, s: number, delta: number, amax: number, lim: number, acc: number, max: number): number {
  if (lim < 0) return 0;
  const lin = (cpu.segBase[seg] + u) | 0;
  if ((cpu.tlb.flags[lin >>> 12] & acc) === 0) return 0;
  const p = lin & 0xfff;
  const top = lim < amax ? lim : amax;
  let n: number;
  if (delta > 0) {
    n = Math.floor((top - u + 1) / s);
    const inPage = (4096 - p) >> (s >> 1);
    if (inPage < n) n = inPage;
  } else {
    if (u + s - 1 > top || p + s > 4096) return 0;
    n = Math.floor(u / s) + 1;
    const inPage = (p >> (s >> 1)) + 1;
    if (inPage < n) n = inPage;
  }
  return n < max ? n : max;
}

/** Host offset of the element at linear seg:u (the page is known to be in the TLB). */
function hostOf(cpu: Cpu, seg: number, u: number): number {
  const lin = (cpu.segBase[seg] + u) | 0;
  return cpu.tlb.host[lin >>> 12] + (lin & 0xfff);
}

/** Copies n elements host→host in iteration order (the first element at hs/hd). */
function copyRun(cpu: Cpu, hs: number, hd: number, n: number, s: number, delta: number): void {
  const nb = n * s;
  const lo = delta > 0 ? 0 : nb - s;
  const ls = hs - lo, ld = hd - lo;
  const bytes = cpu.mem.bytes;
  // memmove gives the iteration result unless the destination runs into source bytes not yet read.
  if (ld >= ls + nb || ls >= ld + nb || (delta > 0 ? ld <= ls : ld >= ls)) {
    bytes.copyWithin(ld, ls, ls + nb);
    return;
  }
  const view = cpu.mem.view;
  for (let k = 0; k < nb; k += s) {
    const a = hs + (delta > 0 ? k : -k), b = hd + (delta > 0 ? k : -k);
    if (s === 1) bytes[b] = bytes[a];
    else if (s === 2) view.setUint16(b, view.getUint16(a, true), true);
    else view.setInt32(b, view.getInt32(a, true), true);
  }
}

/** Fills n elements with v going from hd in the direction of delta. */
function fillRun(cpu: Cpu, hd: number, n: number, s: number, delta: number, v: number): void {
  const nb = n * s;
  const lo = delta > 0 ? hd : hd - (nb - s);
  if (s === 1) { cpu.mem.bytes.fill(v & 0xff, lo, lo + nb); return; }
  const view = cpu.mem.view;
  if (s === 2) for (let k = 0; k < nb; k += 2) view.setUint16(lo + k, v, true);
  else for (let k = 0; k < nb; k += 4) view.setInt32(lo + k, v, true);
}

// ---- MOVS ----

function movs(cpu: Cpu, d: number, s: number): void {
  const len = cpu.dec[d + Rec.LEN];
  const regs = cpu.regs;
  const amask = len & Pfx.AD32 ? -1 : 0xffff;
  const seg = eaSeg(cpu, d);
  const delta = cpu.flags & Eflags.DF ? -s : s;
  if ((len & REP_ANY) === 0) {
    const si = regs[Reg.ESI] & amask, di = regs[Reg.EDI] & amask;
    writeN(cpu, Seg.ES, di, readN(cpu, seg, si, s), s);
    setIdx(cpu, Reg.ESI, si + delta, amask);
    setIdx(cpu, Reg.EDI, di + delta, amask);
    return;
  }
  let cnt = (regs[Reg.ECX] & amask) >>> 0;
  if (cnt === 0) return;
  const budget = repBudget(cpu);
  const amax = amask >>> 0;
  let done = 0;
  for (;;) {
    const si = (regs[Reg.ESI] & amask) >>> 0, di = (regs[Reg.EDI] & amask) >>> 0;
    const want = cnt < budget - done ? cnt : budget - done;
    let n = 0;
    if (want > 1) {
      n = runLength(cpu, seg, si, s, delta, amax, cpu.segLimR[seg], cpu.accR, want);
      if (n > 1) n = runLength(cpu, Seg.ES, di, s, delta, amax, cpu.segLimW[Seg.ES], cpu.accW, n);
      if (n > 1) copyRun(cpu, hostOf(cpu, seg, si), hostOf(cpu, Seg.ES, di), n, s, delta);
    }
    if (n <= 1) {
      n = 1;
      writeN(cpu, Seg.ES, di, readN(cpu, seg, si, s), s);
    }
    setIdx(cpu, Reg.ESI, si + n * delta, amask);
    setIdx(cpu, Reg.EDI, di + n * delta, amask);
    cnt -= n;
    setIdx(cpu, Reg.ECX, cnt, amask);
    done += n;
    cpu.icount += n;
    if (cnt === 0) break;
    if (done >= budget || cpu.attention !== 0) { cpu.eip = cpu.startEip; break; }
  }
  cpu.icount--;
}

// ---- STOS ----

function stos(cpu: Cpu, d: number, s: number): void {
  const len = cpu.dec[d + Rec.LEN];
  const regs = cpu.regs;
  const amask = len & Pfx.AD32 ? -1 : 0xffff;
  const delta = cpu.flags & Eflags.DF ? -s : s;
  const v = regs[Reg.EAX];
  if ((len & REP_ANY) === 0) {
    const di = regs[Reg.EDI] & amask;
    writeN(cpu, Seg.ES, di, v, s);
    setIdx(cpu, Reg.EDI, di + delta, amask);
    return;
  }
  let cnt = (regs[Reg.ECX] & amask) >>> 0;
  if (cnt === 0) return;
  const budget = repBudget(cpu);
  const amax = amask >>> 0;
  let done = 0;
  for (;;) {
    const di = (regs[Reg.EDI] & amask) >>> 0;
    const want = cnt < budget - done ? cnt : budget - done;
    let n = 0;
    if (want > 1) {
      n = runLength(cpu, Seg.ES, di, s, delta, amax, cpu.segLimW[Seg.ES], cpu.accW, want);
      if (n > 1) fillRun(cpu, hostOf(cpu, Seg.ES, di), n, s, delta, v);
    }
    if (n <= 1) {
      n = 1;
      writeN(cpu, Seg.ES, di, v, s);
    }
    setIdx(cpu, Reg.EDI, di + n * delta, amask);
    cnt -= n;
    setIdx(cpu, Reg.ECX, cnt, amask);
    done += n;
    cpu.icount += n;
    if (cnt === 0) break;
    if (done >= budget || cpu.attention !== 0) { cpu.eip = cpu.startEip; break; }
  }
  cpu.icount--;
}

// ---- LODS ----

function lods(cpu: Cpu, d: number, s: number): void {
  const len = cpu.dec[d + Rec.LEN];
  const regs = cpu.regs;
  const amask = len & Pfx.AD32 ? -1 : 0xffff;
  const seg = eaSeg(cpu, d);
  const delta = cpu.flags & Eflags.DF ? -s : s;
  if ((len & REP_ANY) === 0) {
    const si = regs[Reg.ESI] & amask;
    setAcc(cpu, readN(cpu, seg, si, s), s);
    setIdx(cpu, Reg.ESI, si + delta, amask);
    return;
  }
  let cnt = (regs[Reg.ECX] & amask) >>> 0;
  if (cnt === 0) return;
  const budget = repBudget(cpu);
  let done = 0;
  for (;;) {
    const si = regs[Reg.ESI] & amask;
    setAcc(cpu, readN(cpu, seg, si, s), s);
    setIdx(cpu, Reg.ESI, si + delta, amask);
    setIdx(cpu, Reg.ECX, --cnt, amask);
    done++;
    cpu.icount++;
    if (cnt === 0) break;
    if (done >= budget || cpu.attention !== 0) { cpu.eip = cpu.startEip; break; }
  }
  cpu.icount--;
}

// ---- CMPS / SCAS: flags as CMP src,dst (CMPS: [seg:SI] − [ES:DI]; SCAS: eAX − [ES:DI]) ----

function cmps(cpu: Cpu, d: number, s: number): void {
  const len = cpu.dec[d + Rec.LEN];
  const regs = cpu.regs;
  const amask = len & Pfx.AD32 ? -1 : 0xffff;
  const seg = eaSeg(cpu, d);
  const delta = cpu.flags & Eflags.DF ? -s : s;
  const sz = s * 8 - 1;
  const mask = s === 4 ? -1 : (1 << (s * 8)) - 1;
  if ((len & REP_ANY) === 0) {
    const si = regs[Reg.ESI] & amask, di = regs[Reg.EDI] & amask;
    const a = readN(cpu, seg, si, s), b = readN(cpu, Seg.ES, di, s);
    setLazy(cpu, Lz.SUB, sz, a, b, (a - b) & mask);
    setIdx(cpu, Reg.ESI, si + delta, amask);
    setIdx(cpu, Reg.EDI, di + delta, amask);
    return;
  }
  let cnt = (regs[Reg.ECX] & amask) >>> 0;
  if (cnt === 0) return;
  const repe = (len & Pfx.REP) !== 0;
  const budget = repBudget(cpu);
  const amax = amask >>> 0;
  const bytes = cpu.mem.bytes, view = cpu.mem.view;
  let done = 0;
  for (;;) {
    const si = (regs[Reg.ESI] & amask) >>> 0, di = (regs[Reg.EDI] & amask) >>> 0;
    const want = cnt < budget - done ? cnt : budget - done;
    let n = 0, a = 0, b = 0, r = 0;
    if (want > 1) {
      n = runLength(cpu, seg, si, s, delta, amax, cpu.segLimR[seg], cpu.accR, want);
      if (n > 1) n = runLength(cpu, Seg.ES, di, s, delta, amax, cpu.segLimR[Seg.ES], cpu.accR, n);
    }
    if (n > 1) {
      // A run of RAM elements: compare in place, stopping where REPE/REPNE would.
      let hs = hostOf(cpu, seg, si), hd = hostOf(cpu, Seg.ES, di), k = 0;
      for (;;) {
        if (s === 1) { a = bytes[hs]; b = bytes[hd]; }
        else if (s === 2) { a = view.getUint16(hs, true); b = view.getUint16(hd, true); }
        else { a = view.getInt32(hs, true); b = view.getInt32(hd, true); }
        r = (a - b) & mask;
        k++;
        if (k === n || (r === 0) !== repe) break;
        hs += delta; hd += delta;
      }
      n = k;
    } else {
      n = 1;
      a = readN(cpu, seg, si, s); b = readN(cpu, Seg.ES, di, s);
      r = (a - b) & mask;
    }
    setLazy(cpu, Lz.SUB, sz, a, b, r);
    setIdx(cpu, Reg.ESI, si + n * delta, amask);
    setIdx(cpu, Reg.EDI, di + n * delta, amask);
    cnt -= n;
    setIdx(cpu, Reg.ECX, cnt, amask);
    done += n;
    cpu.icount += n;
    if (cnt === 0 || (r === 0) !== repe) break;
    if (done >= budget || cpu.attention !== 0) { cpu.eip = cpu.startEip; break; }
  }
  cpu.icount--;
}

function scas(cpu: Cpu, d: number, s: number): void {
  const len = cpu.dec[d + Rec.LEN];
  const regs = cpu.regs;
  const amask = len & Pfx.AD32 ? -1 : 0xffff;
  const delta = cpu.flags & Eflags.DF ? -s : s;
  const sz = s * 8 - 1;
  const mask = s === 4 ? -1 : (1 << (s * 8)) - 1;
  const a = regs[Reg.EAX] & mask;
  if ((len & REP_ANY) === 0) {
    const di = regs[Reg.EDI] & amask;
    const b = readN(cpu, Seg.ES, di, s);
    setLazy(cpu, Lz.SUB, sz, a, b, (a - b) & mask);
    setIdx(cpu, Reg.EDI, di + delta, amask);
    return;
  }
  let cnt = (regs[Reg.ECX] & amask) >>> 0;
  if (cnt === 0) return;
  const repe = (len & Pfx.REP) !== 0;
  const budget = repBudget(cpu);
  const amax = amask >>> 0;
  const bytes = cpu.mem.bytes, view = cpu.mem.view;
  let done = 0;
  for (;;) {
    const di = (regs[Reg.EDI] & amask) >>> 0;
    const want = cnt < budget - done ? cnt : budget - done;
    let n = 0, b = 0, r = 0;
    if (want > 1) n = runLength(cpu, Seg.ES, di, s, delta, amax, cpu.segLimR[Seg.ES], cpu.accR, want);
    if (n > 1) {
      let h = hostOf(cpu, Seg.ES, di), k = 0;
      for (;;) {
        b = s === 1 ? bytes[h] : s === 2 ? view.getUint16(h, true) : view.getInt32(h, true);
        r = (a - b) & mask;
        k++;
        if (k === n || (r === 0) !== repe) break;
        h += delta;
      }
      n = k;
    } else {
      n = 1;
      b = readN(cpu, Seg.ES, di, s);
      r = (a - b) & mask;
    }
    setLazy(cpu, Lz.SUB, sz, a, b, r);
    setIdx(cpu, Reg.EDI, di + n * delta, amask);
    cnt -= n;
    setIdx(cpu, Reg.ECX, cnt, amask);
    done += n;
    cpu.icount += n;
    if (cnt === 0 || (r === 0) !== repe) break;
    if (done >= budget || cpu.attention !== 0) { cpu.eip = cpu.startEip; break; }
  }
  cpu.icount--;
}

// ---- INS / OUTS: port DX; the I/O permission check comes before anything else. INS checks
// that the destination is writable before it reads the port, so a fault does not lose the input.

function ins(cpu: Cpu, d: number, s: number): void {
  const len = cpu.dec[d + Rec.LEN];
  const regs = cpu.regs;
  const amask = len & Pfx.AD32 ? -1 : 0xffff;
  const delta = cpu.flags & Eflags.DF ? -s : s;
  const port = regs[Reg.EDX] & 0xffff;
  const rep = (len & REP_ANY) !== 0;
  let cnt = rep ? (regs[Reg.ECX] & amask) >>> 0 : 1;
  if (cnt === 0) return;
  checkIoPermission(cpu, port, s);
  const budget = rep ? repBudget(cpu) : 1;
  let done = 0;
  for (;;) {
    const di = regs[Reg.EDI] & amask;
    probeWrite(cpu, Seg.ES, di, s);
    writeN(cpu, Seg.ES, di, cpu.host.ioIn(cpu, port, s), s);
    setIdx(cpu, Reg.EDI, di + delta, amask);
    if (!rep) return;
    setIdx(cpu, Reg.ECX, --cnt, amask);
    done++;
    cpu.icount++;
    if (cnt === 0) break;
    if (done >= budget || cpu.attention !== 0) { cpu.eip = cpu.startEip; break; }
  }
  cpu.icount--;
}

function outs(cpu: Cpu, d: number, s: number): void {
  const len = cpu.dec[d + Rec.LEN];
  const regs = cpu.regs;
  const amask = len & Pfx.AD32 ? -1 : 0xffff;
  const seg = eaSeg(cpu, d);
  const delta = cpu.flags & Eflags.DF ? -s : s;
  const port = regs[Reg.EDX] & 0xffff;
  const rep = (len & REP_ANY) !== 0;
  let cnt = rep ? (regs[Reg.ECX] & amask) >>> 0 : 1;
  if (cnt === 0) return;
  checkIoPermission(cpu, port, s);
  const budget = rep ? repBudget(cpu) : 1;
  let done = 0;
  for (;;) {
    const si = regs[Reg.ESI] & amask;
    cpu.host.ioOut(cpu, port, s, readN(cpu, seg, si, s));
    setIdx(cpu, Reg.ESI, si + delta, amask);
    if (!rep) return;
    setIdx(cpu, Reg.ECX, --cnt, amask);
    done++;
    cpu.icount++;
    if (cnt === 0) break;
    if (done >= budget || cpu.attention !== 0) { cpu.eip = cpu.startEip; break; }
  }
  cpu.icount--;
}

type StringOp = (cpu: Cpu, d: number, s: number) => void;
function define(byteOp: string, wordOp: string, f: StringOp): void {
  defineOp(byteOp, (cpu, d) => f(cpu, d, 1));
  defineOp(wordOp, (cpu, d) => f(cpu, d, 2), (cpu, d) => f(cpu, d, 4));
}
define("op_a4", "op_a5", movs);
define("op_a6", "op_a7", cmps);
define("op_aa", "op_ab", stos);
define("op_ac", "op_ad", lods);
define("op_ae", "op_af", scas);
define("op_6c", "op_6d", ins);
define("op_6e", "op_6f", outs);
