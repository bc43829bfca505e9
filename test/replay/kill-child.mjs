// Child process of the SIGKILL test: appends killEvent(0), killEvent(1)... forever, reporting on
// stdout the number of events on disk after each chunk. argv[2] = trace path. Runs the built
// dist/ (npm test builds it first), so it needs no TypeScript loader.
import { writeSync } from "node:fs";
import { TraceWriter } from "../../dist/src/replay/trace-writer.js";
import { KILL_CHUNK_EVENTS, killEvent } from "./kill-events.mjs";

const header = { semanticsVersion: 1, machine: { clock: "host" }, images: [], createdAt: "2024-05-01T00:00:00Z", tags: {} };
const w = new TraceWriter(process.argv[2], header, { maxEvents: KILL_CHUNK_EVENTS, maxBytes: 1 << 30, sync: "none" });
for (let i = 0; ; i++) {
  const e = killEvent(i);
  w.append(e.icount, e.kind, e.payload);
  if ((i + 1) % KILL_CHUNK_EVENTS === 0) writeSync(1, `${i + 1}\n`);
}
