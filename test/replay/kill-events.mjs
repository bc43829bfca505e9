// The deterministic event sequence of the SIGKILL test, shared by the child writer (a plain Node
// process running the built dist/) and the test. Kind numbers are EventKind (trace-events.ts).
export const KILL_CHUNK_EVENTS = 50;
const IO_IN = 6, RDTSC = 3, SERIAL_IN = 1, HOST_TIMER = 4, DIGEST = 64;

/** Event number i: a mix of input kinds, a DIGEST every 1000 events, icounts in equal pairs 37 apart. */
export function killEvent(i) {
  const icount = Math.floor(i / 2) * 37;
  if (i % 1000 === 999) return { icount, kind: DIGEST, payload: { cpu: Uint8Array.of(i & 0xff, i >> 8), mem: Uint8Array.of(7), pages: i } };
  switch (i % 4) {
    case 0: return { icount, kind: IO_IN, payload: [0x3fd, 1, i & 0xff] };
    case 1: return { icount, kind: RDTSC, payload: [i * 1000003] };
    case 2: return { icount, kind: SERIAL_IN, payload: [0, Uint8Array.of(0x61 + (i % 26))] };
    default: return { icount, kind: HOST_TIMER, payload: [i % 3] };
  }
}
