// Property (a), record/replay issue item 7: a generated guest recorded under a generated input
// schedule replays identically — same COM1 and port 0xE9 output, same final icount and end, no
// divergence, every recorded digest verified, same machineDigest at the end.
// (Item 7's property (c), trace encode/decode round trips of any event stream, lives in
// test/replay/trace-roundtrip.test.ts.)
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { machineDigest } from "../../src/replay/digest.js";
import { replayRun } from "../../src/replay/session.js";
import { arbCase, countDigests, Output, propParams, record, REGRESSIONS } from "./harness.js";

describe("record → replay of generated guests and input schedules", () => {
  it("generated program (PIT, COM1 IRQ/poll, RTC, RDTSC, 0xE9, HLT, paging, REP) + scripted serial input → replay has the same output, icount, end, digests and machine digest", () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { path, rec, out, guest } = record(c);
        const rout = new Output();
        const rep = replayRun({ path, image: () => guest.image, onSerial: rout.onSerial, onDebugConsole: rout.onDebugConsole });
        expect(rep.divergence).toBeNull();
        expect(rep.incomplete).toBeNull();
        expect(rep.icount).toBe(rec.icount);
        expect(rep.end).toEqual(rec.end);
        expect(rout.text).toBe(out.text);
        expect(out.text).not.toContain("E21 "); // '!': the guest took an exception (generated programs never should)
        expect(rep.digestsVerified).toBe(countDigests(path));
        expect(machineDigest(rep.machine)).toBe(machineDigest(rec.machine));
      }),
      { ...propParams(40, 0x5eed_0a), examples: REGRESSIONS.map((c) => [c]) },
    );
  });
});
