// Trace event kinds: one table row per kind (number, name, payload shape, payload check).
// Payloads of frequent input kinds are msgpack arrays (small); rare kinds are maps (self-describing).
// Changing a payload shape changes the format: bump FORMAT_VERSION (trace-format.ts). A new kind
// number is additive (every older trace still reads and replays): no bump; an older x86rr
// reports the new number as an unknown kind.

export const enum EventKind {
  // Inputs from the outside world, handed to the guest through the Environment.
  SERIAL_IN = 1,
  RTC_TIME = 2,
  RDTSC = 3,
  HOST_TIMER = 4,
  IRQ_INJECT = 5,
  IO_IN = 6,
  MMIO_IN = 7,
  ENTROPY = 8,
  HOST_DATA = 9,
  HOST_TIME = 10,
  // Recording structure.
  DIGEST = 64,
  SNAPSHOT = 65,
  MARK = 66,
  END = 67,
}

export interface EventPayloads {
  /** Bytes that reached UART `unit`'s receiver from the host. */
  [EventKind.SERIAL_IN]: [unit: number, bytes: Uint8Array];
  /** Host wall-clock time (ms since the Unix epoch) read to initialise the RTC. */
  [EventKind.RTC_TIME]: [epochMs: number];
  /** Value returned by RDTSC in host clock mode. */
  [EventKind.RDTSC]: [tsc: number];
  /** A host-clock timer of device timer `timer` expired at this icount. */
  [EventKind.HOST_TIMER]: [timer: number];
  /** The host raised (level 1) or lowered (level 0) interrupt line `line`. */
  [EventKind.IRQ_INJECT]: [line: number, level: number];
  /** IN from a port whose value the host supplied. */
  [EventKind.IO_IN]: [port: number, size: number, value: number];
  /** Read of a guest-physical MMIO address whose value the host supplied. */
  [EventKind.MMIO_IN]: [gpa: number, size: number, value: number];
  /** Random bytes (RDRAND/RDSEED, entropy devices). */
  [EventKind.ENTROPY]: [bytes: Uint8Array];
  /** Any other host-provided data, tagged by its source. */
  [EventKind.HOST_DATA]: [source: string, bytes: Uint8Array];
  /** Host monotonic time (ns since the recording started) sampled at a slice boundary (--clock host). */
  [EventKind.HOST_TIME]: [ns: number];
  /** Hash of CPU state and of memory pages written since the previous digest. */
  [EventKind.DIGEST]: { cpu: Uint8Array; mem: Uint8Array; pages: number };
  /** Full machine state; `encoding` names how `state` is serialised/compressed. */
  [EventKind.SNAPSHOT]: { encoding: string; state: Uint8Array };
  /** A named point on the timeline (user bookmark, test marker). */
  [EventKind.MARK]: { label: string };
  /** Recording stopped (last event of a cleanly closed trace). */
  [EventKind.END]: { reason: string };
}

export type TraceEvent = {
  [K in EventKind]: { icount: number; kind: K; payload: EventPayloads[K] };
}[EventKind];

interface KindRow {
  kind: EventKind;
  name: string;
  /** The decoded payload has this kind's shape (a trace is untrusted input). */
  check(p: unknown): boolean;
}

const u = (x: unknown, max: number): boolean => Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= max;
const bin = (x: unknown): boolean => x instanceof Uint8Array;
const tuple = (p: unknown, n: number): p is unknown[] => Array.isArray(p) && p.length === n;
const map = (p: unknown): p is Record<string, unknown> =>
  typeof p === "object" && p !== null && !Array.isArray(p) && !(p instanceof Uint8Array);
const size = (x: unknown): boolean => x === 1 || x === 2 || x === 4;
const U32 = 0xffffffff;
const SAFE = Number.MAX_SAFE_INTEGER;

export const EVENT_KINDS: readonly KindRow[] = [
  { kind: EventKind.SERIAL_IN, name: "SERIAL_IN", check: (p) => tuple(p, 2) && u(p[0], 255) && bin(p[1]) },
  { kind: EventKind.RTC_TIME, name: "RTC_TIME", check: (p) => tuple(p, 1) && u(p[0], SAFE) },
  { kind: EventKind.RDTSC, name: "RDTSC", check: (p) => tuple(p, 1) && u(p[0], SAFE) },
  { kind: EventKind.HOST_TIMER, name: "HOST_TIMER", check: (p) => tuple(p, 1) && u(p[0], U32) },
  { kind: EventKind.IRQ_INJECT, name: "IRQ_INJECT", check: (p) => tuple(p, 2) && u(p[0], 255) && u(p[1], 1) },
  { kind: EventKind.IO_IN, name: "IO_IN", check: (p) => tuple(p, 3) && u(p[0], 0xffff) && size(p[1]) && u(p[2], U32) },
  { kind: EventKind.MMIO_IN, name: "MMIO_IN", check: (p) => tuple(p, 3) && u(p[0], SAFE) && size(p[1]) && u(p[2], U32) },
  { kind: EventKind.ENTROPY, name: "ENTROPY", check: (p) => tuple(p, 1) && bin(p[0]) },
  { kind: EventKind.HOST_DATA, name: "HOST_DATA", check: (p) => tuple(p, 2) && typeof p[0] === "string" && bin(p[1]) },
  { kind: EventKind.HOST_TIME, name: "HOST_TIME", check: (p) => tuple(p, 1) && u(p[0], SAFE) },
  { kind: EventKind.DIGEST, name: "DIGEST", check: (p) => map(p) && bin(p.cpu) && bin(p.mem) && u(p.pages, SAFE) },
  { kind: EventKind.SNAPSHOT, name: "SNAPSHOT", check: (p) => map(p) && typeof p.encoding === "string" && bin(p.state) },
  { kind: EventKind.MARK, name: "MARK", check: (p) => map(p) && typeof p.label === "string" },
  { kind: EventKind.END, name: "END", check: (p) => map(p) && typeof p.reason === "string" },
];

const BY_KIND: (KindRow | undefined)[] = [];
for (const row of EVENT_KINDS) BY_KIND[row.kind] = row;

/** The table row of `kind`, or undefined for a number that is not a kind. */
export function kindRow(kind: number): KindRow | undefined {
  return Number.isInteger(kind) && kind >= 0 && kind < BY_KIND.length ? BY_KIND[kind] : undefined;
}

/** Name of a kind for logs and `x86rr info`; `kind#N` for an unknown number. */
export function kindName(kind: number): string {
  return kindRow(kind)?.name ?? `kind#${kind}`;
}
