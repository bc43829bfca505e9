// What `x86rr info` prints about a trace: header, totals, index and completeness. Uses only the
// header and the index (footer or scan), so it never reads the event chunks of a closed trace.
// Guest time is derived from the instruction count and the recorded ns per instruction (the
// virtual clock); VM-exit counts come from the footer, where the recorder leaves them at close.

import { kindName } from "./trace-events.js";
import type { ImageRecord, RecordedExits } from "./trace-format.js";
import { ExitStats } from "../vmx/exit-stats.js";
import type { IndexEntry, TraceReader } from "./trace-reader.js";

export interface TraceDescription {
  file: string;
  size: number;
  formatVersion: number;
  semanticsVersion: number;
  createdAt: string;
  machine: Record<string, unknown>;
  images: ImageRecord[];
  tags: Record<string, unknown>;
  complete: boolean;
  /** For an incomplete trace: why, and where the readable part ends. */
  incomplete?: { reason: string; offset: number; icount: number };
  /** Duration of the recorded run in retired instructions. */
  instructions: number;
  firstIcount: number;
  lastIcount: number;
  events: number;
  /** Event count per kind name, in kind order. */
  eventsByKind: Record<string, number>;
  chunks: number;
  digests: IndexEntry[];
  snapshots: IndexEntry[];
  /** Guest time covered by the retired instructions (ns), when the clock is virtual; idle (HLT) time comes on top. */
  guestTimeNs: number | null;
  /** VM exits of the recorded run (from the footer), when the trace has them. */
  exits?: RecordedExits;
}

/** The facts `x86rr info` shows for an open trace. */
export function describe(trace: TraceReader): TraceDescription {
  const h = trace.header;
  const t = trace.totals;
  const s = trace.status;
  const eventsByKind: Record<string, number> = {};
  for (const [kind, n] of [...t.byKind].sort((a, b) => a[0] - b[0])) eventsByKind[kindName(kind)] = n;
  return {
    file: trace.file,
    size: trace.size,
    formatVersion: trace.formatVersion,
    semanticsVersion: h.semanticsVersion,
    createdAt: h.createdAt,
    machine: h.machine,
    images: h.images,
    tags: h.tags,
    complete: s.complete,
    ...(s.complete ? {} : { incomplete: { reason: s.reason, offset: s.endsAt.offset, icount: s.endsAt.icount } }),
    instructions: t.instructions,
    firstIcount: t.firstIcount,
    lastIcount: t.lastIcount,
    events: t.events,
    eventsByKind,
    chunks: trace.chunks.length,
    digests: trace.digests,
    snapshots: trace.snapshots,
    guestTimeNs: guestTime(h.machine, t.instructions),
    ...(t.exits ? { exits: t.exits } : {}),
  };
}

function guestTime(machine: Record<string, unknown>, instructions: number): number | null {
  const ns = machine.nsPerInstruction;
  const clock = machine.clock ?? "virtual";
  return clock === "virtual" && typeof ns === "number" && Number.isFinite(ns) ? instructions * ns : null;
}

function showNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} µs`;
  return `${ns} ns`;
}

/** Human-readable text of a description, one fact per line. */
export function formatDescription(d: TraceDescription): string {
  const lines = [
    `trace       ${d.file} (${d.size} bytes, format ${d.formatVersion}, semantics ${d.semanticsVersion})`,
    `created     ${d.createdAt}`,
    `status      ${d.complete ? "complete" : `INCOMPLETE: ${d.incomplete!.reason}; readable up to offset ${d.incomplete!.offset}, icount ${d.incomplete!.icount}`}`,
    `duration    ${d.instructions} instructions (events from icount ${d.firstIcount} to ${d.lastIcount})`,
    `guest time  ${d.guestTimeNs === null ? `follows the recorded HOST_TIME samples (clock ${JSON.stringify(d.machine.clock)}); not derivable from the header alone` : `${showNs(d.guestTimeNs)} of execution (virtual clock, ${String(d.machine.nsPerInstruction)} ns per instruction), plus any time the guest spent halted`}`,
    `events      ${d.events} in ${d.chunks} chunks${d.events ? `, ${(d.size / d.events).toFixed(1)} bytes/event overall` : ""}`,
  ];
  for (const [name, n] of Object.entries(d.eventsByKind)) lines.push(`  ${name.padEnd(12)}${n}`);
  lines.push("machine");
  for (const [k, v] of Object.entries(d.machine)) lines.push(`  ${k.padEnd(17)} ${JSON.stringify(v)}`);
  lines.push(`images      ${d.images.length}`);
  for (const im of d.images) lines.push(`  ${im.name} ${im.size} bytes sha256 ${im.sha256}${im.role ? ` (${im.role}, recorded from ${im.path ?? "?"})` : ""}`);
  if (Object.keys(d.tags).length) lines.push(`tags        ${JSON.stringify(d.tags)}`);
  const list = (title: string, es: IndexEntry[]): void => {
    lines.push(`${title.padEnd(12)}${es.length}`);
    // A long recording has thousands of digests: the first and last few tell the spacing.
    const shown = es.length <= 12 ? es : [...es.slice(0, 6), ...es.slice(-6)];
    shown.forEach((e, i) => {
      if (es.length > 12 && i === 6) lines.push(`  ... ${es.length - 12} more`);
      lines.push(`  icount ${e.icount} (chunk at offset ${e.offset})`);
    });
  };
  list("digests", d.digests);
  list("snapshots", d.snapshots);
  if (d.exits) {
    lines.push("exits       of the whole recorded run (`monitor exits` in `x86rr gdb TRACE` gives them at any icount)");
    lines.push(...ExitStats.fromRecord(d.exits).format().split("\n").map((l) => `  ${l}`));
  } else {
    lines.push(`exits       ${d.complete ? "not in this trace (recorded by an older x86rr)" : "unknown: the recording did not close"}: \`monitor exits\` in \`x86rr gdb TRACE\` gives them at any icount`);
  }
  return lines.join("\n") + "\n";
}
