// A flat binary copied to one guest-physical address, entered in real mode (boot-sector style)
// or in flat 32-bit protected mode.

import { ImageError, hex } from "./image-error.js";
import { PlacementError, checkPlacement, flat32Entry, flatGdt, pcE820, real16Entry, type E820Entry, type EntryRegs, type LoadPlan, type PlanWrite } from "./plan.js";

export interface FlatOptions {
  memBytes: number;
  /** Guest-physical load address. */
  address: number;
  mode: "real16" | "flat32";
  /** Entry address (physical); default: `address`. */
  entry?: number;
  /** Initial stack pointer (real16: SP with SS = 0 … see docs; flat32: ESP); default: `address` (the stack grows down below the image). */
  stack?: number;
  /** Initial general registers (e.g. DL = 0x80 for a boot sector). */
  regs?: Partial<EntryRegs>;
  reservedE820?: E820Entry[];
}

/** Where flat32 puts its GDT when it does not overlap the image; otherwise right after the image (8-aligned). */
export const FLAT_GDT = 0x500;

/**
 * real16: CS = (entry & 0xf0000) >> 4 and IP = entry & 0xffff (0x7c00 → 0000:7c00), SS likewise from
 * the stack address, so the image must lie below 1 MiB. flat32: flat segments, GDT written by the plan.
 */
export function loadFlat(file: string, bytes: Uint8Array, opts: FlatOptions): LoadPlan {
  if (bytes.length === 0) throw new ImageError(file, 0, "a flat binary with at least one byte", "an empty file");
  const e820 = pcE820(opts.memBytes, opts.reservedE820);
  const start = opts.address, end = start + bytes.length;
  const entry = opts.entry ?? start, stack = opts.stack ?? start;
  const writes: PlanWrite[] = [{ gpa: start, bytes, what: "flat image" }];
  const notes = [`${file}: ${bytes.length} bytes at ${hex(start)}-${hex(end)}`];
  let plan: LoadPlan;
  if (opts.mode === "real16") {
    if (end > 0x100000) throw new PlacementError(file, `a real-mode image must end below 1 MiB, this one ends at ${hex(end)}`);
    if (entry > 0xfffff || stack > 0x100000) throw new PlacementError(file, `real-mode entry ${hex(entry)} and stack ${hex(stack)} must be below 1 MiB`);
    const cs = (entry & 0xf0000) >>> 4, ip = entry & 0xffff;
    // A stack address that is a multiple of 0x10000 takes the segment below with SP = 0: the first push wraps to SP 0xfffe.
    const ss = stack === 0 ? 0 : ((stack - 1) & 0xf0000) >>> 4, sp = (stack - (ss << 4)) & 0xffff;
    notes.push(`real mode CS:IP ${seg(cs)}:${seg(ip)}, SS:SP ${seg(ss)}:${seg(sp)}`);
    plan = { writes, entry: real16Entry(cs, ip, ss, sp, opts.regs ?? {}), e820, notes };
  } else {
    const gdt = end <= FLAT_GDT || start >= FLAT_GDT + 32 ? FLAT_GDT : (end + 7) & ~7;
    writes.push({ gpa: gdt, bytes: flatGdt(), what: "GDT" });
    notes.push(`flat 32-bit entry ${hex(entry)}, ESP ${hex(stack)}, GDT at ${hex(gdt)}`);
    plan = { writes, entry: flat32Entry(gdt, entry, { ...opts.regs, esp: stack }), e820, notes };
  }
  return checkPlacement(file, plan, e820);
}

const seg = (n: number): string => n.toString(16).padStart(4, "0");
