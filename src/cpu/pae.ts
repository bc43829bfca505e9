// PAE paging (SDM Vol.3 4.4): CR0.PG=1, CR4.PAE=1. 64-bit entries, four PDPTEs loaded into
// registers (cpu.pdpte) by MOV to CR3/CR0/CR4, 4 KiB pages and 2 MiB pages (PDE.PS, always honoured).
//
//   PDPTE: 0 P   3 PWT  4 PCD   12-35 page-directory base   reserved: 1-2, 5-8, 36-63
//   PDE:   0 P   1 R/W  2 U/S   5 A   6 D (2 MiB)   7 PS   8 G (2 MiB)   12 PAT (2 MiB)
//          21-35 2 MiB frame (13-20 reserved) or 12-35 page-table base   reserved: 36-63
//   PTE:   0 P   1 R/W  2 U/S   5 A   6 D   7 PAT   8 G   12-35 frame   reserved: 36-63
// MAXPHYADDR is 36 (no CPUID leaf 80000008H, PAE supported; SDM Vol.3 4.1.4). EFER.NXE does not
// exist on this CPU, so bit 63 is reserved too. Guest-physical addresses in this emulator are
// 32 bits: an entry naming a frame at or above 4 GiB is reported once and treated as a
// reserved-bit fault (#PF with RSVD), never silently truncated.

import type { Cpu } from "./cpu.js";
import { Cr0, Cr4, Exc, Pfec, Pte } from "./constants.js";
import { raise, raisePageFault } from "./fault.js";
import { archBits, fillTlb, readPhys32, writePhys32, Xl } from "./mmu.js";

/** Reserved low bits of a PDPTE (1-2, 5-8). */
const PDPTE_RSVD_LO = 0x1e6;
/** Bits 36-63 of any entry: reserved with MAXPHYADDR 36 (high dword bits 4-31). */
const HI_RSVD = ~0xf;
/** Bits 13-20 of a 2 MiB PDE: reserved. */
const PDE2M_RSVD_LO = 0x1fe000;

const scratch = new Int32Array(8);

/**
 * Loads the four PDPTEs from the 32-byte-aligned table CR3 names (SDM Vol.3 4.4.1): #GP(0) if a
 * present one sets reserved bits, before anything changes. `cr3` is the value being loaded.
 */
export function loadPdptes(cpu: Cpu, cr3: number): void {
  const base = cr3 & ~0x1f;
  for (let i = 0; i < 4; i++) {
    const lo = readPhys32(cpu, (base + 8 * i) | 0), hi = readPhys32(cpu, (base + 8 * i + 4) | 0);
    if ((lo & Pte.P) !== 0 && ((lo & PDPTE_RSVD_LO) !== 0 || (hi & HI_RSVD) !== 0)) raise(Exc.GP, 0);
    scratch[2 * i] = lo; scratch[2 * i + 1] = hi;
  }
  cpu.pdpte.set(scratch);
}

function reservedFault(lin: number, err: number): never {
  return raisePageFault(lin, err | Pfec.P | Pfec.RSVD);
}

function above4G(cpu: Cpu, lin: number, err: number): never {
  cpu.noteOnce("pae-above-4g", `PAE entry maps linear 0x${(lin >>> 0).toString(16)} to a physical address above 4 GiB, ` +
    "which this emulator does not model: raising #PF(RSVD)");
  return reservedFault(lin, err);
}

function allowed(cpu: Cpu, rw: number, us: number, write: boolean, user: boolean): boolean {
  if (user) return us !== 0 && (!write || rw !== 0);
  return !write || rw !== 0 || (cpu.cr0 & Cr0.WP) === 0;
}

/** The PAE counterpart of mmu.ts walk(): same contract (guest-physical address, TLB filled, #PF on failure). */
export function walkPae(cpu: Cpu, lin: number, kind: number): number {
  const write = (kind & Xl.WRITE) !== 0, user = (kind & Xl.USER) !== 0;
  const vpn = lin >>> 12;
  const err = (write ? Pfec.W : 0) | (user ? Pfec.U : 0);
  const i = lin >>> 30;
  const pdpLo = cpu.pdpte[2 * i], pdpHi = cpu.pdpte[2 * i + 1];
  if ((pdpLo & Pte.P) === 0) raisePageFault(lin, err);
  if (pdpHi !== 0) above4G(cpu, lin, err);
  const pdeAddr = (pdpLo & ~0xfff) + (((lin >>> 21) & 0x1ff) << 3);
  const pde = readPhys32(cpu, pdeAddr), pdeHi = readPhys32(cpu, pdeAddr + 4);
  if ((pde & Pte.P) === 0) raisePageFault(lin, err);
  if ((pdeHi & HI_RSVD) !== 0) reservedFault(lin, err);
  let leaf: number, leafAddr: number, rw: number, us: number, frame: number;
  if ((pde & Pte.PS) !== 0) {
    if ((pde & PDE2M_RSVD_LO) !== 0) reservedFault(lin, err);
    leaf = pde; leafAddr = pdeAddr;
    rw = pde & Pte.RW; us = pde & Pte.US;
    if (!allowed(cpu, rw, us, write, user)) raisePageFault(lin, err | Pfec.P);
    if (pdeHi !== 0) above4G(cpu, lin, err);
    frame = (pde & 0xffe00000) | (lin & 0x1ff000);
    cpu.tlb.large[vpn >>> 10] = 1;
  } else {
    if (pdeHi !== 0) above4G(cpu, lin, err);
    const pteAddr = (pde & ~0xfff) + (((lin >>> 12) & 0x1ff) << 3);
    const pte = readPhys32(cpu, pteAddr), pteHi = readPhys32(cpu, pteAddr + 4);
    if ((pte & Pte.P) === 0) raisePageFault(lin, err);
    if ((pteHi & HI_RSVD) !== 0) reservedFault(lin, err);
    leaf = pte; leafAddr = pteAddr;
    rw = pde & pte & Pte.RW; us = pde & pte & Pte.US;
    if (!allowed(cpu, rw, us, write, user)) raisePageFault(lin, err | Pfec.P);
    if (pteHi !== 0) above4G(cpu, lin, err);
    frame = pte & ~0xfff;
    if ((pde & Pte.A) === 0) writePhys32(cpu, pdeAddr, pde | Pte.A);
  }
  let newLeaf = leaf | Pte.A;
  if (write) newLeaf |= Pte.D;
  if (newLeaf !== leaf) writePhys32(cpu, leafAddr, newLeaf);
  fillTlb(cpu, vpn, frame, archBits(cpu, rw, us, newLeaf));
  return frame | (lin & 0xfff);
}
