// The deterministic event sequence of the SIGKILL test, shared by the child writer and the test.
import { EventKind, type TraceEvent } from "../../src/replay/trace-events.js";

export const KILL_CHUNK_EVENTS = 50;

/** Event number i: a mix of input kinds, a DIGEST every 1000 events, icounts in equal pairs 37 apart. */
export function killEvent(i: number): TraceEvent {
  const icount = Math.floor(i / 2) * 37;
  if (i % 1000 === 999) return { icount, kind: EventKind.DIGEST, payload: { cpu: Uint8Array.of(i & 0xff, i >> 8), mem: Uint8Array.of(7), pages: i } };
  switch (i % 4) {
    case 0:
      return { icount, kind: EventKind.IO_IN, payload: [0x3fd, 1, i & 0xff] };
    case 1:
      return { icount, kind: EventKind.RDTSC, payload: [i * 1000003] };
    case 2:
      return { icount, kind: EventKind.SERIAL_IN, payload: [0, Uint8Array.of(0x61 + (i % 26))] };
    default:
      return { icount, kind: EventKind.HOST_TIMER, payload: [i % 3] };
  }
}
