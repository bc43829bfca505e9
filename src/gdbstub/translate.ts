// Side-effect-free guest-virtual access for the debugger: page tables are walked read-only (no
// A/D bit updates, no TLB fills, no #PF delivered), MMIO is never touched (reading a device
// register could change it), and writes go straight to RAM with the decoded-code cache dropped.
//
// 32-bit paging (SDM Vol.3 4.3):  PDE = CR3[31:12] | lin[31:22]*4;  PDE.PS (with CR4.PSE) → 4 MiB page
//                                  PTE = PDE[31:12] | lin[21:12]*4
// PAE paging (SDM Vol.3 4.4):      PDPTE n = cpu.pdpte[lin[31:30]];  PDE 8 bytes at PDPTE[31:12] | lin[29:21]*8;
//                                  PDE.PS → 2 MiB page; PTE 8 bytes at PDE[31:12] | lin[20:12]*8

import type { Cpu } from "../cpu/cpu.js";
import { Cr0, Cr4, Pte } from "../cpu/constants.js";
import { ACC_READ, ACC_WRITE } from "../cpu/memory.js";

/** Physical RAM dword at `gpa`, or NaN when no RAM is there. */
function ramDword(cpu: Cpu, gpa: number): number {
  const h = cpu.phys.translate(gpa >>> 0, ACC_READ);
  if (h < 0 || h + 4 > cpu.mem.size) return NaN;
  return cpu.mem.view.getInt32(h, true);
}

/** Guest-physical address of linear `lin` under the current paging mode, or -1 when not mapped. */
export function peekTranslate(cpu: Cpu, lin: number): number {
  lin = lin >>> 0;
  if ((cpu.cr0 & Cr0.PG) === 0) return lin;
  if ((cpu.cr4 & Cr4.PAE) !== 0) {
    const i = lin >>> 30;
    const pdp = cpu.pdpte[2 * i];
    if ((pdp & Pte.P) === 0 || cpu.pdpte[2 * i + 1] !== 0) return -1;
    const pde = ramDword(cpu, (pdp & ~0xfff) + (((lin >>> 21) & 0x1ff) << 3));
    if (Number.isNaN(pde) || (pde & Pte.P) === 0) return -1;
    if ((pde & Pte.PS) !== 0) return (((pde & 0xffe00000) | (lin & 0x1fffff)) >>> 0);
    const pte = ramDword(cpu, (pde & ~0xfff) + (((lin >>> 12) & 0x1ff) << 3));
    if (Number.isNaN(pte) || (pte & Pte.P) === 0) return -1;
    return (((pte & ~0xfff) | (lin & 0xfff)) >>> 0);
  }
  const pde = ramDword(cpu, (cpu.cr3 & ~0xfff) | ((lin >>> 22) << 2));
  if (Number.isNaN(pde) || (pde & Pte.P) === 0) return -1;
  if ((pde & Pte.PS) !== 0 && (cpu.cr4 & Cr4.PSE) !== 0) return (((pde & 0xffc00000) | (lin & 0x3fffff)) >>> 0);
  const pte = ramDword(cpu, (pde & ~0xfff) | (((lin >>> 12) & 0x3ff) << 2));
  if (Number.isNaN(pte) || (pte & Pte.P) === 0) return -1;
  return (((pte & ~0xfff) | (lin & 0xfff)) >>> 0);
}

/** Host RAM offset of linear `lin`, or -1 (unmapped, or no RAM behind it). */
function hostOf(cpu: Cpu, lin: number, access: number): number {
  const gpa = peekTranslate(cpu, lin);
  if (gpa < 0) return -1;
  const h = cpu.phys.translate(gpa, access);
  return h >= 0 && h < cpu.mem.size ? h : -1;
}

/** Reads up to `len` bytes at linear `lin`; stops at the first unreadable byte (the result may be shorter). */
export function peekLinear(cpu: Cpu, lin: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let n = 0;
  while (n < len) {
    const a = (lin + n) >>> 0;
    const h = hostOf(cpu, a, ACC_READ);
    if (h < 0) break;
    const run = Math.min(len - n, 4096 - (a & 0xfff), cpu.mem.size - h);
    out.set(cpu.mem.bytes.subarray(h, h + run), n);
    n += run;
  }
  return out.subarray(0, n);
}

/** Writes `bytes` at linear `lin` into RAM; false (and nothing written) if any byte is not writable RAM. */
export function pokeLinear(cpu: Cpu, lin: number, bytes: Uint8Array): boolean {
  const hs: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const h = hostOf(cpu, (lin + i) >>> 0, ACC_WRITE);
    if (h < 0) return false;
    hs.push(h);
  }
  for (let i = 0; i < bytes.length; i++) {
    cpu.mem.bytes[hs[i]] = bytes[i];
    cpu.mem.invalidateCode(hs[i], 1);
  }
  cpu.fetchHost = -1;
  return true;
}
