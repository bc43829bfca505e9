// `x86rr diff A.x86rr B.x86rr`: where two recordings of the same guest part (src/replay/diff.ts).

import { TraceCursor } from "../replay/bisect-cursor.js";
import { diffTraces, eventText } from "../replay/diff.js";
import { guestSymbols, imageOf, instructionAt, registerLines } from "./bisect.js";

const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** Runs the command; returns the exit code (0 the runs are the same, 1 they differ). */
export function runDiff(pathA: string, pathB: string): number {
  const a = new TraceCursor(pathA, { image: imageOf });
  const b = new TraceCursor(pathB, { image: imageOf });
  const r = diffTraces(a, b);
  const out: string[] = [];
  const say = (l: string) => out.push(l);
  say(`A = ${pathA}`);
  say(`B = ${pathB}`);
  if (r.header.length) {
    say("headers differ:");
    for (const l of r.header) say(`  ${l}`);
  } else say("headers: same machine configuration and images");
  if (r.rtc) say(`RTC time at icount 0 differs: ${new Date(r.rtc.a).toISOString()} vs ${new Date(r.rtc.b).toISOString()} (matters only to a guest that reads the RTC)`);
  if (r.input) {
    say(`first differing input (input #${r.input.index}, RTC time not counted):`);
    say(`  A: ${eventText(r.input.a)}`);
    say(`  B: ${eventText(r.input.b)}`);
  } else say("inputs: the same (kind, icount and value of every input)");
  const d = r.digests;
  say(`digests: ${d.common} taken at the same icounts; ${d.firstDiffer === null ? "all agree" : `last agreeing at icount ${d.lastAgree}, first differing at ${d.firstDiffer}`}`);
  say(`ends: A ${a.endIcount} instructions${a.recordedEnd ? ` (${a.recordedEnd})` : ""}, B ${b.endIcount} instructions${b.recordedEnd ? ` (${b.recordedEnd})` : ""}`);
  if (r.execution) {
    const e = r.execution, k = e.icount;
    const sym = guestSymbols(String((a.header.machine as Record<string, unknown>).guest));
    // Name the location only when a label is close below it (a stack byte is not "idt_desc+0xefc82").
    const near = (a: number) => { const at = sym?.lookup(a); return at && at.offset < 0x100 ? ` <${sym!.describe(a)}>` : ""; };
    say(`execution parts at icount ${k}: the states after instruction ${k - 1} differ`);
    a.seek(k - 1); b.seek(k - 1);
    say(`  instruction ${k - 1}:  A ${instructionAt(a.machine, sym)}`);
    say(`  ${" ".repeat(String(k - 1).length + 13)}B ${instructionAt(b.machine, sym)}`);
    a.seek(k); b.seek(k);
    if (e.registers.length) say(`  registers that differ: ${e.registers.map((x) => `${x.name} ${hex(x.a)} vs ${hex(x.b)}`).join(", ")}`);
    for (const m of e.memory) say(`  memory differs at physical ${hex(m.addr)} (${m.length} byte${m.length === 1 ? "" : "s"})${near(m.addr)}`);
    say(`  A registers at icount ${k}:`);
    for (const l of registerLines(a.machine)) say(`    ${l}`);
    say(`  B registers at icount ${k}:`);
    for (const l of registerLines(b.machine)) say(`    ${l}`);
    if (r.input && (r.input.a?.icount ?? Infinity) <= k) say(`  (the inputs differ from icount ${Math.min(r.input.a?.icount ?? Infinity, r.input.b?.icount ?? Infinity)}, before this point)`);
  } else if (r.executionNote) say(`execution: ${r.executionNote}`);
  process.stdout.write(out.join("\n") + "\n");
  const same = !r.header.length && !r.input && r.digests.firstDiffer === null;
  return same ? 0 : 1;
}
