// Applying a loader's LoadPlan (src/loaders/plan.ts) to a Machine: the plan's RAM writes, then the
// whole vCPU entry state as a VM entry loads the guest-state area (SDM Vol.3 26.3.2: control
// registers, segment registers with their descriptor caches, GDTR, RIP/RSP/RFLAGS), plus the
// general registers the boot protocol passes values in.
//
// The e820 map needs no firmware here: every loader writes it where its protocol says
// (boot_params e820_table for Linux, the multiboot mmap), and no guest of ours calls INT 15h.

import { Cr0, Eflags, Reg, Seg } from "../cpu/constants.js";
import type { E820Entry, EntrySegment, LoadPlan } from "../loaders/plan.js";
import type { Machine } from "./machine.js";

/** IO-APIC and local APIC MMIO pages, reserved in the e820 map of a machine with an APIC. */
export const APIC_E820: E820Entry[] = [
  { addr: 0xfec00000, size: 0x1000, type: 2 },
  { addr: 0xfee00000, size: 0x1000, type: 2 },
];

/** Copies the plan's writes into guest RAM and loads its entry state into the vCPU. */
export function applyPlan(machine: Machine, plan: LoadPlan): void {
  for (const w of plan.writes) machine.loadBytes(w.gpa, w.bytes);
  const cpu = machine.cpu, e = plan.entry, r = e.regs;
  const regs: Array<[number, number]> = [
    [Reg.EAX, r.eax], [Reg.ECX, r.ecx], [Reg.EDX, r.edx], [Reg.EBX, r.ebx],
    [Reg.ESP, r.esp], [Reg.EBP, r.ebp], [Reg.ESI, r.esi], [Reg.EDI, r.edi],
  ];
  for (const [i, v] of regs) cpu.regs[i] = v | 0;
  // CR0 first: setSegCache derives code32 from CR0.PE. Paging stays off in both entry modes.
  if (e.mode === "flat32") {
    cpu.cr0 = (cpu.cr0 & ~(Cr0.PG | Cr0.PE)) | e.cr0;
    cpu.gdtrBase = e.gdtr.base | 0;
    cpu.gdtrLimit = e.gdtr.limit;
    cpu.eip = e.eip | 0;
  } else {
    cpu.cr0 &= ~(Cr0.PG | Cr0.PE);
    cpu.eip = e.ip & 0xffff;
  }
  const segs: Array<[number, EntrySegment]> = [
    [Seg.ES, e.segments.es], [Seg.CS, e.segments.cs], [Seg.SS, e.segments.ss],
    [Seg.DS, e.segments.ds], [Seg.FS, e.segments.fs], [Seg.GS, e.segments.gs],
  ];
  for (const [i, s] of segs) cpu.setSegCache(i, s.selector, s.base, s.limit | 0, s.accessRights);
  // EFLAGS with no status flags pending in the lazy-flags fields (flags.ts); bit 1 always set.
  cpu.lzMask = 0;
  cpu.flags = (e.eflags | Eflags.FIXED1) & ~Eflags.VM;
  cpu.halted = false;
  cpu.flushTlb(false);
  cpu.updateMode();
}
