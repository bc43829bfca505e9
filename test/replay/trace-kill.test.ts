import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TraceReader } from "../../src/replay/trace-reader.js";
import { norm, tempDir } from "./helpers.js";
import { KILL_CHUNK_EVENTS, killEvent } from "./kill-events.mjs";

const tmp = tempDir();
afterAll(() => tmp.remove());

/** The child writer: plain JS over the built dist/ (see kill-child.mjs). */
const childScript = join(__dirname, "kill-child.mjs");

/** Run the child writer until it reports `target` events on disk, then SIGKILL it. */
function runAndKill(script: string, trace: string, target: number): Promise<{ reported: number; signal: string | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, trace], { stdio: ["ignore", "pipe", "pipe"] });
    let reported = 0;
    let stderr = "";
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const l of lines) reported = Math.max(reported, Number(l));
      if (reported >= target && !child.killed) child.kill("SIGKILL");
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") fail(new Error(`child exited with code ${code}: ${stderr}`));
      else done({ reported, signal });
    });
  });
}

describe("writer killed with SIGKILL", () => {
  it("child appending events in a loop, killed mid-way → the file reads as a prefix of its events ending at a chunk boundary, marked incomplete", async () => {
    const script = childScript;
    for (let run = 0; run < 3; run++) {
      const trace = tmp.file(`killed${run}.x86rr`);
      const { reported, signal } = await runAndKill(script, trace, 5000 + run * 7000);
      expect(signal).toBe("SIGKILL");
      const r = TraceReader.open(trace);
      try {
        const events = [...r.events()];
        expect(events.length).toBeGreaterThanOrEqual(reported);
        expect(events.length % KILL_CHUNK_EVENTS).toBe(0);
        expect(norm(events)).toEqual(norm(Array.from({ length: events.length }, (_, i) => killEvent(i))));
        expect(r.status.complete).toBe(false);
        if (!r.status.complete) {
          // SIGKILL between writes leaves whole chunks; inside a multi-page write it may cut the last one.
          expect(r.status.endsAt.icount).toBe(events.at(-1)!.icount);
          if (r.status.endsAt.offset === r.size) expect(r.status.reason).toMatch(/^not closed cleanly/);
          else expect(r.status.reason).toMatch(new RegExp(`^truncated chunk at offset ${r.status.endsAt.offset} `));
        }
        expect(r.digests.map((d) => d.icount)).toEqual(events.filter((_, i) => i % 1000 === 999).map((e) => e.icount));
      } finally {
        r.close();
      }
    }
  }, 90_000);
});
