// `x86rr bisect TRACE --until PREDICATE`: the first icount at which the predicate holds
// (src/replay/bisect.ts), with the instruction, the registers, and how to open gdb there.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Reg, Seg } from "../cpu/constants.js";
import { disassembleAt } from "../cpu/disasm.js";
import { getEflags } from "../cpu/flags.js";
import { peekLinear } from "../gdbstub/translate.js";
import { readElfSymbols, type SymbolTable } from "../loaders/elf-symbols.js";
import { bisect, type Progress } from "../replay/bisect.js";
import { TraceCursor } from "../replay/bisect-cursor.js";
import { parsePredicate, PredicateError } from "../replay/predicate.js";
import type { Machine } from "../vmx/machine.js";
import { findGuest, guestSymbolFile, readGuestImage } from "./guests.js";
import { recordedImages } from "./record-replay.js";
import type { ImageSource } from "../replay/guest-setup.js";

export interface BisectCliOptions { until: string; snapshotEvery?: number; port?: number }

const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** The symbol table of the guest a trace recorded (its bundled guests/NAME.elf), if there is one. */
export function guestSymbols(guestName: string): SymbolTable | undefined {
  const g = findGuest(guestName);
  if (!g) return undefined;
  try {
    return readElfSymbols(guestSymbolFile(g), new Uint8Array(readFileSync(guestSymbolFile(g))));
  } catch {
    return undefined;
  }
}

export const imageOf: ImageSource = recordedImages((name) => {
  const g = findGuest(name);
  if (!g) throw new PredicateError(`the trace records guest "${name}", which is not a bundled guest of this x86rr`);
  return readGuestImage(g);
});

/** Imports the module of a js: predicate (before parsing, which is synchronous). */
async function loadJs(predicate: string): Promise<((m: Machine, ctx: unknown) => unknown) | undefined> {
  const m = /^\s*js:(.+)$/is.exec(predicate);
  if (!m) return undefined;
  const path = m[1].trim();
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (e) {
    throw new PredicateError(`js: cannot load ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof mod.default !== "function") throw new PredicateError(`js: ${path} must export default a function (machine) => boolean`);
  return mod.default as (m: Machine, ctx: unknown) => unknown;
}

/** The instruction at the machine's PC, disassembled, with its symbol when known. */
export function instructionAt(m: Machine, sym?: SymbolTable): string {
  const cpu = m.cpu;
  const pc = (cpu.segBase[Seg.CS] + cpu.eip) >>> 0;
  let text: string;
  try {
    text = disassembleAt((a) => { const b = peekLinear(cpu, a, 1); if (b.length === 0) throw new RangeError("unmapped"); return b[0]; }, pc, cpu.code32).text;
  } catch {
    text = "(not mapped)";
  }
  return `${hex(pc)}${sym ? ` <${sym.describe(pc)}>` : ""}  ${text}`;
}

/** Register lines for a report. */
export function registerLines(m: Machine): string[] {
  const c = m.cpu, r = c.regs;
  const s = (i: number) => (c.segSel[i] & 0xffff).toString(16).padStart(4, "0");
  return [
    `eax ${hex(r[Reg.EAX])}  ecx ${hex(r[Reg.ECX])}  edx ${hex(r[Reg.EDX])}  ebx ${hex(r[Reg.EBX])}`,
    `esp ${hex(r[Reg.ESP])}  ebp ${hex(r[Reg.EBP])}  esi ${hex(r[Reg.ESI])}  edi ${hex(r[Reg.EDI])}`,
    `eip ${hex(c.eip)}  eflags ${hex(getEflags(c))}  cr0 ${hex(c.cr0)}  cr3 ${hex(c.cr3)}`,
    `cs ${s(Seg.CS)}  ss ${s(Seg.SS)}  ds ${s(Seg.DS)}  es ${s(Seg.ES)}  fs ${s(Seg.FS)}  gs ${s(Seg.GS)}`,
  ];
}

/** A progress bar on stderr when it is a terminal; nothing otherwise. */
function progressBar(): { update: Progress; clear: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, clear: () => {} };
  let last = 0;
  const names = { replay: "replaying", search: "searching", step: "stepping " };
  return {
    update: (phase, done, total) => {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const width = 30, fill = Math.round(frac * width);
      process.stderr.write(`\r${names[phase]} [${"#".repeat(fill)}${" ".repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%`);
    },
    clear: () => process.stderr.write("\r\x1b[K"),
  };
}

/** Runs the command; returns the process exit code (0 found, 1 never true or divergence). */
export async function runBisect(path: string, o: BisectCliOptions): Promise<number> {
  const t0 = Date.now();
  const js = await loadJs(o.until);
  const cursor = new TraceCursor(path, { image: imageOf, snapshotEvery: o.snapshotEvery });
  const guest = String((cursor.header.machine as Record<string, unknown>).guest);
  const sym = guestSymbols(guest);
  const pred = parsePredicate(o.until, { symbol: sym ? (n) => sym.address(n) : undefined, jsModule: js ? () => js : undefined });
  const bar = progressBar();
  const { result, stats } = bisect(cursor, pred, bar.update);
  bar.clear();
  const out: string[] = [];
  const say = (l: string) => out.push(l);
  if (cursor.divergence) say(`warning: the replay diverged from the recording at icount ${cursor.divergence.icount}: ${cursor.divergence.what}`);
  let code = 0;
  switch (result.kind) {
    case "at-start":
      say(`${pred.text}: already true at icount 0 (before the first instruction)`);
      break;
    case "never":
      say(`${pred.text}: never true, up to the end of the trace (icount ${result.endIcount}${cursor.recordedEnd ? `, ${cursor.recordedEnd}` : ""})`);
      code = 1;
      break;
    case "found": {
      const k = result.icount;
      say(`${pred.text}: first true at icount ${k}`);
      cursor.seek(k - 1);
      say(`  made true by instruction ${k - 1}: ${instructionAt(cursor.machine, sym)}`);
      cursor.seek(k);
      say(`  next instruction:         ${instructionAt(cursor.machine, sym)}`);
      say("  registers at icount " + k + ":");
      for (const l of registerLines(cursor.machine)) say(`    ${l}`);
      if (result.nonMonotonic.length) {
        say(`  NOT MONOTONIC: ${result.nonMonotonic.join("; ")}.`);
        say("  This is the first true state after the last false sample before it; earlier true states may exist between samples.");
      }
      const port = o.port ?? 1234;
      const elf = sym ? ` ${guestSymbolFile(findGuest(guest)!)}` : "";
      say("open gdb there:");
      say(`  x86rr gdb ${path} --port ${port} &`);
      say(`  gdb${elf} -ex 'target remote :${port}' -ex 'monitor seek ${k}'`);
      break;
    }
  }
  if (cursor.divergence) code = 1;
  process.stdout.write(out.join("\n") + "\n");
  process.stderr.write(`x86rr: bisect replayed ${stats.instructions} instructions (forward pass ${stats.forwardInstructions}, ${stats.probes} probes, ${stats.steps} steps, ${stats.snapshots} snapshots) in ${((Date.now() - t0) / 1000).toFixed(2)} s\n`);
  return code;
}
