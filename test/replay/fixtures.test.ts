// Every committed trace under traces/ must still replay bit-exactly: a change that alters guest-visible
// behaviour without bumping MACHINE_SEMANTICS_VERSION (and re-recording with scripts/record-fixtures.mjs)
// fails here.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import { replayRun } from "../../src/replay/session.js";

const dir = join(__dirname, "..", "..", "traces");
const traces = readdirSync(dir).filter((f) => f.endsWith(".x86rr"));

describe("committed regression traces", () => {
  it("there are fixtures to replay", () => {
    expect(traces.length).toBeGreaterThanOrEqual(2);
  });
  for (const t of traces) {
    it(`${t} replays identically to its recorded end with every digest verified`, () => {
      const r = replayRun({ path: join(dir, t), image: (name) => readGuestImage(findGuest(name)!) });
      expect(r.divergence).toBeNull();
      expect(r.incomplete).toBeNull();
      expect(r.recordedEnd).toMatch(/^exit /);
      expect(r.digestsVerified).toBeGreaterThan(1);
    });
  }
});
