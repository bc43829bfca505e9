// Shared pieces of the record/replay properties: generated input schedules (a scripted
// HostWorld), generated cases (program + schedule) that print as nasm source and a schedule
// when fast-check reports a counterexample, recording into a temp trace, and run settings.
//
// Run counts: each property has a fixed seed and a default number of runs sized for `npm test`.
// X86RR_PROPS_RUNS=<n> (read here, in test code only) overrides every property's run count for a
// longer search; X86RR_PROPS_SEED=<n> overrides the seed.
import fc from "fast-check";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HostClock, HostWorld } from "../../src/replay/environment.js";
import { recordRun, type GuestSpec, type SessionResult } from "../../src/replay/session.js";
import { EventKind } from "../../src/replay/trace-events.js";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { arbProgram, assemble, guestEntry, guestSource, type GuestProgram } from "./guest-gen.js";

export function propParams(defaultRuns: number, seed: number): { numRuns: number; seed: number } {
  const runs = Number.parseInt(process.env.X86RR_PROPS_RUNS ?? "", 10);
  const s = Number.parseInt(process.env.X86RR_PROPS_SEED ?? "", 10);
  return { numRuns: runs > 0 ? runs : defaultRuns, seed: Number.isInteger(s) ? s : seed };
}

export interface Schedule {
  /** Host wall-clock time at the start (ms since the epoch). */
  epochMs: number;
  /** Serial bytes the host has at each poll, in order (empty: nothing at that poll). */
  pieces: number[][];
  pollEvery: number;
  digestEvery: number;
  /** --clock host: the scripted host clock (absent: virtual clock). */
  host?: HostJitter;
}

/**
 * A jittery host clock: the i-th reading advances it by steps[i % steps.length] ns (a host that is
 * sometimes fast, sometimes descheduled); an idle wait until t leaves it at t + overshoot[j % n]
 * (a sleep that wakes late).
 */
export interface HostJitter {
  origin: number;
  steps: number[];
  overshoot: number[];
}

export const arbHostJitter: fc.Arbitrary<HostJitter> = fc.record({
  origin: fc.nat({ max: 2 ** 50 }),
  steps: fc.array(fc.oneof(fc.nat({ max: 2000 }), fc.integer({ min: 2001, max: 2_000_000 }), fc.integer({ min: 2_000_001, max: 50_000_000 })), { minLength: 1, maxLength: 8 }),
  overshoot: fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 100_000 }), fc.nat({ max: 20_000_000 })), { minLength: 1, maxLength: 4 }),
});

export function jitterClock(j: HostJitter): HostClock & { readings: number; waits: number[] } {
  let now = j.origin;
  const c = {
    readings: 0,
    waits: [] as number[],
    nowNs: () => (now += j.steps[c.readings++ % j.steps.length]),
    idleUntil: (ns: number) => {
      c.waits.push(ns);
      now = Math.max(now, ns) + j.overshoot[c.waits.length % j.overshoot.length];
    },
  };
  return c;
}

const byte = (terminator: number) =>
  fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0x61, max: 0x7a }) }, { weight: 1, arbitrary: fc.constant(terminator) }, { weight: 1, arbitrary: fc.nat({ max: 255 }) });

export const arbSchedule = (terminator: number): fc.Arbitrary<Schedule> =>
  fc.record({
    epochMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4_102_444_800_000 })),
    pieces: fc.array(
      fc.oneof(
        { weight: 2, arbitrary: fc.constant([]) },
        { weight: 4, arbitrary: fc.array(byte(terminator), { minLength: 1, maxLength: 6 }) },
        { weight: 1, arbitrary: fc.array(byte(terminator), { minLength: 17, maxLength: 48 }) }, // bursts past the 16-byte FIFO
      ),
      { maxLength: 14 },
    ),
    pollEvery: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 3000 }), fc.integer({ min: 3001, max: 200_000 })),
    digestEvery: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 51, max: 5000 }), fc.integer({ min: 5001, max: 1_000_000 })),
  });

/**
 * The scripted outside world: piece i is what pollSerial returns at its i-th call; waitForInput
 * says whether pieces remain. A record loop asking for input far more often than the script
 * has pieces is spinning: that throws instead of hanging the test (the polls are counted: the
 * Environment asks the world to wait only when it has no backlog).
 */
export function scriptedWorld(s: Schedule): HostWorld {
  let poll = 0, waits = 0;
  return {
    ...(s.host ? { hostClock: jitterClock(s.host) } : {}),
    wallClockMs: () => s.epochMs,
    pollSerial: () => {
      if (poll > s.pieces.length + 100_000) throw new Error(`pollSerial called ${poll} times with ${s.pieces.length} pieces: the record loop spins`);
      const p = s.pieces[poll++];
      return p && p.length ? Uint8Array.from(p) : null;
    },
    waitForInput: () => {
      if (++waits > s.pieces.length + 10_000) throw new Error(`waitForInput called ${waits} times with ${s.pieces.length} pieces: the record loop spins`);
      return poll < s.pieces.length;
    },
  };
}

export interface Case {
  program: GuestProgram;
  source: string;
  schedule: Schedule;
}

function scheduleText(s: Schedule): string {
  const piece = (p: number[]) => (p.length ? JSON.stringify(Buffer.from(p).toString("latin1")) : "·");
  const host = s.host ? `\n  host clock: ${JSON.stringify(s.host)}` : "";
  return `schedule: epochMs=${s.epochMs} pollEvery=${s.pollEvery} digestEvery=${s.digestEvery}\n  pieces per poll: [${s.pieces.map(piece).join(", ")}]${host}`;
}

/** A case that prints as its nasm source, its machine settings and its schedule. */
export function makeCase(program: GuestProgram, schedule: Schedule): Case {
  const c: Case = { program, source: guestSource(program), schedule };
  Object.defineProperty(c, fc.toStringMethod, {
    value: () =>
      `\n; ---- generated guest (${program.mode}, ${program.nsPerInstruction} ns/instruction) ----\n${c.source}; ---- ${scheduleText(schedule)}\n`,
  });
  return c;
}

export const arbCase: fc.Arbitrary<Case> = arbProgram.chain((program) => arbSchedule(program.terminator).map((schedule) => makeCase(program, schedule)));

/**
 * Cases recorded with --clock host under a jittery scripted host clock. Slices of at least 41
 * instructions: a host slower than one timer period per slice interrupts every slice (as a real
 * overloaded host would), and a slice shorter than the IRQ handler would never let the guest on.
 */
export const arbHostCase: fc.Arbitrary<Case> = arbProgram.chain((program) =>
  fc.tuple(arbSchedule(program.terminator), arbHostJitter).map(([schedule, host]) =>
    makeCase(program, { ...schedule, pollEvery: Math.max(41, schedule.pollEvery), host })));

const latin1 = (s: string) => [...Buffer.from(s, "latin1")];

/**
 * Minimal counterexamples the properties found, run first by every property (fast-check
 * `examples`): a guest halted with IF=1 and no timer, whose UART has no room, while the host has
 * bytes left (the recorder waited on that backlog forever); and a guest halted after input that
 * armed the UART's character timeout, the recorder running the idle machine after the input and
 * the replay not (device state and idle time differed at the same icount); a PIT programmed
 * inside a long CPU run, whose first deadline the CPU ran past until the end of its slice (IRQ0
 * came at an icount that depended on how the run was sliced: pollEvery vs the replay's runs).
 */
export const REGRESSIONS: Case[] = [
  makeCase(
    { mode: "flat32", nsPerInstruction: 1, pit: null, serial: { kind: "poll", fcr: 0x00, echo: false }, terminator: 0x2e, iterations: 1, body: [{ op: "hlt" }] },
    { epochMs: 0, pieces: [latin1("aa")], pollEvery: 3001, digestEvery: 1 },
  ),
  makeCase(
    { mode: "flat32", nsPerInstruction: 7, pit: null, serial: { kind: "poll", fcr: 0xc7, echo: true }, terminator: 0x2e, iterations: 3, body: [{ op: "hlt" }] },
    { epochMs: 0, pieces: [latin1("aa.aaaaa\u0000aaaaaaaa")], pollEvery: 3001, digestEvery: 25 },
  ),
  makeCase(
    { mode: "flat32", nsPerInstruction: 50, pit: { divisor: 326, mode: 3 }, serial: { kind: "none" }, terminator: 0x2e, iterations: 60, body: [{ op: "rep", kind: "stosb", count: 194 }, { op: "e9" }] },
    { epochMs: 0, pieces: [], pollEvery: 41, digestEvery: 1000000 },
  ),
];

export function guestSpec(c: Case): GuestSpec {
  const e = guestEntry(c.program);
  return { name: "generated", image: assemble(c.source), loadAddress: e.loadAddress, entry: e.entry, memBytes: e.memBytes, nsPerInstruction: c.program.nsPerInstruction, clock: c.schedule.host ? "host" : "virtual" };
}

/** Serial (COM1) and port 0xE9 output, tagged, in order. */
export class Output {
  text = "";
  readonly onSerial = (b: number) => { this.text += `S${b.toString(16)} `; };
  readonly onDebugConsole = (b: number) => { this.text += `E${b.toString(16)} `; };
}

const dir = mkdtempSync(join(tmpdir(), "x86rr-props-trace-"));
let traces = 0;
export const newTracePath = () => join(dir, `p${traces++}.x86rr`);

/** Bound on a generated run: far more than any generated program needs. */
export const MAX_INSTRUCTIONS = 3_000_000;

export function record(c: Case, path = newTracePath()): { path: string; rec: SessionResult; out: Output; guest: GuestSpec } {
  const guest = guestSpec(c);
  const out = new Output();
  const rec = recordRun({
    guest, path, world: scriptedWorld(c.schedule), createdAt: "2026-11-23T00:00:00Z", onSerial: out.onSerial, onDebugConsole: out.onDebugConsole,
    pollEvery: c.schedule.pollEvery, digestEvery: c.schedule.digestEvery, maxInstructions: MAX_INSTRUCTIONS,
  });
  return { path, rec, out, guest };
}

export function countDigests(path: string): number {
  const r = TraceReader.open(path);
  try {
    let n = 0;
    for (const e of r.events()) if (e.kind === EventKind.DIGEST) n++;
    return n;
  } finally {
    r.close();
  }
}

export const readTrace = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
