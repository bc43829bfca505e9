// `monitor` commands (qRcmd): icount, seek ICOUNT, snapshot, exits, where, help.

import { Cr0, Cr4, Eflags, Seg } from "../../cpu/constants.js";
import { disassembleAt } from "../../cpu/disasm.js";
import type { MachineTarget } from "../machine-target.js";
import { peekLinear } from "../translate.js";

const HELP = [
  "icount          instructions retired so far (the timeline position)",
  "seek ICOUNT     move the machine to ICOUNT (backward or forward) without stopping at breakpoints",
  "snapshot        take a timeline snapshot here and list the snapshots held",
  "exits           VM-exit statistics so far",
  "where           icount, PC, the instruction there, mode, CPL, paging",
  "help            this list",
];

function mode(t: MachineTarget): string {
  const cpu = t.machine.cpu;
  if ((cpu.cr0 & Cr0.PE) === 0) return "real";
  if ((cpu.flags & Eflags.VM) !== 0) return "virtual-8086";
  return cpu.code32 ? "protected 32-bit" : "protected 16-bit";
}

function paging(t: MachineTarget): string {
  const cpu = t.machine.cpu;
  if ((cpu.cr0 & Cr0.PG) === 0) return "off";
  return (cpu.cr4 & Cr4.PAE) !== 0 ? `PAE, CR3=0x${(cpu.cr3 >>> 0).toString(16)}` : `32-bit, CR3=0x${(cpu.cr3 >>> 0).toString(16)}`;
}

/** Runs one monitor command; returns the text gdb prints. */
export function runMonitor(t: MachineTarget, line: string): string {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const cpu = t.machine.cpu;
  switch (cmd) {
    case "icount": return `${cpu.icount}\n`;
    case "seek": {
      const n = Number(args[0]?.replace(/_/g, ""));
      if (!Number.isSafeInteger(n) || n < 0) return `seek: expected an instruction count, got "${args[0] ?? ""}"\n`;
      t.seek(n);
      return `at icount ${cpu.icount}\n`;
    }
    case "snapshot": {
      const id = t.timeline.snapshot();
      const list = t.timeline.snapshots().map((s) => `  #${s.id} icount ${s.icount} (${s.bytes} bytes)`).join("\n");
      return `snapshot #${id} at icount ${cpu.icount}\n${list}\n`;
    }
    case "exits": return `${t.machine.vmm.stats.format((p) => t.machine.io.nameAt(p))}\n`;
    case "where": {
      const pc = t.pcLinear();
      const d = disassembleAt((a) => { const b = peekLinear(cpu, a, 1); if (b.length === 0) throw new RangeError("unmapped"); return b[0]; }, pc, cpu.code32);
      const cs = cpu.segSel[Seg.CS].toString(16).padStart(4, "0");
      return `icount ${cpu.icount}  pc ${cs}:${(cpu.eip >>> 0).toString(16)} (linear 0x${pc.toString(16)})  ${d.text}\nmode ${mode(t)}  CPL ${cpu.cpl}  paging ${paging(t)}\n`;
    }
    case "help": case "": case undefined: return HELP.join("\n") + "\n";
    default: return `unknown monitor command "${cmd}"; try "monitor help"\n`;
  }
}
