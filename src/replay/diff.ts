// Diff of two recordings of the same guest (design §4): where do they part?
// 1. Headers: machine configuration and images.
// 2. Inputs: the first input event that differs (kind, icount, values), RTC time apart (two
//    recordings almost always start at different wall-clock times; it matters only to a guest
//    that reads the RTC).
// 3. Execution: the digests both traces took at the same icounts, the last that agree and the
//    first that differs; then both are replayed in lock-step from the agreeing one (binary search
//    with bounded replays, then instruction by instruction) to the first icount whose state
//    differs: registers, or RAM.

import { cpuWords, CPU_WORDS } from "./digest.js";
import type { TraceCursor } from "./bisect-cursor.js";
import { EventKind, kindName, type TraceEvent } from "./trace-events.js";

export interface InputDifference {
  /** Index among the input events (RTC time excluded) of both traces. */
  index: number;
  a: TraceEvent | undefined;
  b: TraceEvent | undefined;
}

export interface ExecutionDifference {
  /** The first icount at which the two machines' states differ (the last equal one is icount - 1). */
  icount: number;
  /** Register differences at `icount`: name, A value, B value. */
  registers: { name: string; a: number; b: number }[];
  /** RAM ranges that differ at `icount` (first few): guest-physical start and length. */
  memory: { addr: number; length: number }[];
}

export interface DiffResult {
  header: string[];
  /** The images differ: execution is not compared. */
  imagesDiffer: boolean;
  rtc: { a: number; b: number } | null;
  input: InputDifference | null;
  digests: { common: number; lastAgree: number; firstDiffer: number | null };
  execution: ExecutionDifference | null;
  /** Why the execution was not narrowed, when it was not. */
  executionNote: string | null;
}

const isInput = (e: TraceEvent) => e.kind < EventKind.DIGEST;
const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags"];
const STEP_BELOW = 64;

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `bytes[${Buffer.from(v).toString("hex")}]`;
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (v && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(", ")}}`;
  return JSON.stringify(v);
}

/** An event as one line: `SERIAL_IN at icount 1234: [0, bytes[61]]`. */
export function eventText(e: TraceEvent | undefined): string {
  return e ? `${kindName(e.kind)} at icount ${e.icount}: ${show(e.payload)}` : "(none: the trace has no more inputs)";
}

function headerDifferences(a: TraceCursor, b: TraceCursor): { lines: string[]; imagesDiffer: boolean } {
  const lines: string[] = [];
  const ma = a.header.machine as Record<string, unknown>, mb = b.header.machine as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ma), ...Object.keys(mb)])) {
    const x = JSON.stringify(ma[k]), y = JSON.stringify(mb[k]);
    if (x !== y) lines.push(`machine.${k}: ${x ?? "(absent)"} vs ${y ?? "(absent)"}`);
  }
  if (a.header.semanticsVersion !== b.header.semanticsVersion) lines.push(`semantics version: ${a.header.semanticsVersion} vs ${b.header.semanticsVersion}`);
  const ia = a.header.images.map((i) => `${i.name} ${i.size} bytes sha256 ${i.sha256}`).join(", ");
  const ib = b.header.images.map((i) => `${i.name} ${i.size} bytes sha256 ${i.sha256}`).join(", ");
  if (ia !== ib) lines.push(`images: ${ia} vs ${ib}`);
  return { lines, imagesDiffer: ia !== ib };
}

function sameEvent(x: TraceEvent, y: TraceEvent): boolean {
  return x.icount === y.icount && x.kind === y.kind && show(x.payload) === show(y.payload);
}

function statesEqual(a: TraceCursor, b: TraceCursor): boolean {
  const wa = cpuWords(a.machine.cpu), wb = cpuWords(b.machine.cpu);
  for (let i = 0; i < CPU_WORDS; i++) if (wa[i] !== wb[i]) return false;
  return Buffer.from(a.machine.mem.bytes.buffer, a.machine.mem.bytes.byteOffset, a.machine.mem.size)
    .equals(Buffer.from(b.machine.mem.bytes.buffer, b.machine.mem.bytes.byteOffset, b.machine.mem.size));
}

function describeDifference(a: TraceCursor, b: TraceCursor): ExecutionDifference {
  const wa = cpuWords(a.machine.cpu), wb = cpuWords(b.machine.cpu);
  const registers: ExecutionDifference["registers"] = [];
  for (let i = 0; i < CPU_WORDS; i++) if (wa[i] !== wb[i]) registers.push({ name: i < REG_NAMES.length ? REG_NAMES[i] : `cpu word ${i}`, a: wa[i] >>> 0, b: wb[i] >>> 0 });
  const memory: ExecutionDifference["memory"] = [];
  const x = a.machine.mem.bytes, y = b.machine.mem.bytes, n = Math.min(a.machine.mem.size, b.machine.mem.size);
  for (let i = 0; i < n && memory.length < 8; i++) {
    if (x[i] === y[i]) continue;
    let j = i;
    while (j < n && x[j] !== y[j]) j++;
    memory.push({ addr: i, length: j - i });
    i = j;
  }
  return { icount: a.icount, registers, memory };
}

/** Compares two traces; leaves both cursors at the first differing state when one was found. */
export function diffTraces(a: TraceCursor, b: TraceCursor): DiffResult {
  const { lines: header, imagesDiffer } = headerDifferences(a, b);
  const rtcA = a.events[0].payload as [number], rtcB = b.events[0].payload as [number];
  const rtc = rtcA[0] !== rtcB[0] ? { a: rtcA[0], b: rtcB[0] } : null;
  const ia = a.events.filter(isInput).slice(1), ib = b.events.filter(isInput).slice(1);
  let input: InputDifference | null = null;
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    if (ia[i] && ib[i] && sameEvent(ia[i], ib[i])) continue;
    input = { index: i, a: ia[i], b: ib[i] };
    break;
  }
  const da = a.events.filter((e) => e.kind === EventKind.DIGEST), db = new Map(b.events.filter((e) => e.kind === EventKind.DIGEST).map((e) => [e.icount, e]));
  let common = 0, lastAgree = 0, firstDiffer: number | null = null;
  for (const e of da) {
    const f = db.get(e.icount);
    if (!f || e.kind !== EventKind.DIGEST || f.kind !== EventKind.DIGEST) continue;
    common++;
    const same = Buffer.from(e.payload.cpu).equals(Buffer.from(f.payload.cpu)) && Buffer.from(e.payload.mem).equals(Buffer.from(f.payload.mem));
    if (!same) { firstDiffer = e.icount; break; }
    lastAgree = e.icount;
  }
  // Runs of different lengths with agreeing common digests still part somewhere before the shorter end.
  if (firstDiffer === null && a.endIcount !== b.endIcount) firstDiffer = Math.min(a.endIcount, b.endIcount);
  const digests = { common, lastAgree, firstDiffer };
  const result: DiffResult = { header, imagesDiffer, rtc, input, digests, execution: null, executionNote: null };
  if (imagesDiffer) { result.executionNote = "the images differ; execution is not compared"; return result; }
  if (firstDiffer === null) { result.executionNote = "every digest both traces took agrees, and both end at the same icount"; return result; }

  const both = (k: number) => { a.seek(k); b.seek(k); return a.icount === k && b.icount === k; };
  if (!both(lastAgree) || !statesEqual(a, b)) { result.executionNote = `the states already differ at icount ${lastAgree}, where the digests agree`; return result; }
  let lo = lastAgree, hi = firstDiffer;
  while (hi - lo > STEP_BELOW) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (both(mid) && statesEqual(a, b)) lo = mid; else hi = mid;
    a.snapshot(); b.snapshot();
  }
  both(lo);
  for (let k = lo + 1; k <= hi; k++) {
    a.step(); b.step();
    if (a.icount !== k || b.icount !== k || !statesEqual(a, b)) {
      if (a.icount !== b.icount) { result.executionNote = `one replay stopped at icount ${Math.min(a.icount, b.icount)}, the other went on`; return result; }
      result.execution = describeDifference(a, b);
      return result;
    }
  }
  result.executionNote = `no differing state found between icount ${lo} and ${hi} (states differ only in devices, or the difference came and went)`;
  return result;
}
