// Re-records the committed regression traces in traces/ (run `npm run build` first).
// Deterministic inputs: a fixed RTC time and fixed serial input, so the files change only when
// the machine's behaviour does. A deliberate semantics change bumps MACHINE_SEMANTICS_VERSION
// and re-records these; an accidental one makes test/replay/fixtures.test.ts fail.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findGuest, readGuestImage } from "../dist/src/cli/guests.js";
import { recordRun } from "../dist/src/replay/session.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = [
  { guest: "hello", input: [], digestEvery: 100 },
  { guest: "echo", input: ["x86", "rr ", "replays ", "this."], digestEvery: 50 },
];
for (const f of fixtures) {
  const g = findGuest(f.guest);
  let poll = 0;
  const world = {
    wallClockMs: () => Date.UTC(2026, 10, 23, 12, 0, 0),
    pollSerial: () => (f.input[poll] !== undefined ? new Uint8Array(Buffer.from(f.input[poll++], "latin1")) : null),
    waitForInput: () => poll < f.input.length,
  };
  const path = join(root, "traces", `${f.guest}.x86rr`);
  const r = recordRun({
    guest: { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes },
    path, world, createdAt: "2026-11-23T12:00:00.000Z", digestEvery: f.digestEvery, pollEvery: 40,
  });
  console.log(`${path}: ${r.icount} instructions, ${r.end.kind}`);
}
