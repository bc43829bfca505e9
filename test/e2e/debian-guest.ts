// The Debian i386 guest for the e2e tests: scripts/debian-guest.sh fetches linux-image-686 and
// busybox-static from the Debian archive and builds the initramfs into a cache directory (reused
// when present). The tests run the built CLI (dist/, which `npm test` builds first) in a child
// process: vitest's module transform would make the interpreter several times slower.

import { execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CACHE = join(REPO, "node_modules", ".cache", "x86rr-debian");
export const CLI = join(REPO, "dist", "src", "cli", "main.js");
/** Printed by the guest's /init (scripts/guest/init) once userspace runs. */
export const MARKER = "X86RR-GUEST-MARKER: init reached";

/** Fetches/builds the guest into CACHE; throws with the script's last lines when that fails. */
export function fetchGuest(): void {
  try {
    execFileSync("bash", [join(REPO, "scripts", "debian-guest.sh"), CACHE], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (e) {
    const err = e as { stderr?: string; status?: number };
    const lines = (err.stderr ?? "").trim().split("\n");
    throw new Error(`scripts/debian-guest.sh ${CACHE} failed (status ${err.status}): the Debian guest could not be fetched or built.\n` +
      lines.slice(-8).join("\n"));
  }
}

export interface CliResult { stdout: string; stderr: string; code: number | null }

/** Runs `x86rr ARGS` with no stdin; killed after `timeoutMs`. Serial output is read as latin1 (bytes). */
export function x86rr(args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.setEncoding("latin1").on("data", (d: string) => { stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => { clearTimeout(timer); resolve({ stdout, stderr, code }); });
  });
}

/** The last serial lines and stderr of a run, for assertion messages. */
export function runTail(r: CliResult): string {
  return `\n--- last serial lines ---\n${r.stdout.split("\n").slice(-25).join("\n")}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
}

/** Checks that a `record` of the Debian boot reached the marker and powered off; returns the recorded instruction count. */
export function expectRecordedPowerOff(rec: CliResult): number {
  expect(rec.stdout.includes(MARKER), `marker not seen${runTail(rec)}`).toBe(true);
  expect(rec.stdout).toMatch(/reboot: Power down/);
  const recorded = /x86rr: recorded (\d+) instructions \(poweroff\)/.exec(rec.stderr);
  expect(recorded, `no power-off${runTail(rec)}`).not.toBeNull();
  expect(rec.code).toBe(0);
  return Number(recorded![1]);
}

/** Checks that `replay` reproduced the recording: same icount, a digest per million instructions at least, same serial output. */
export function expectReplayIdentical(rec: CliResult, rep: CliResult, instructions: number): void {
  const verdict = /x86rr: replay identical: (\d+) instructions, (\d+) digests verified, ended as recorded \(poweroff\)/.exec(rep.stderr);
  expect(verdict, `replay verdict${runTail(rep)}`).not.toBeNull();
  expect(Number(verdict![1])).toBe(instructions);
  // One digest per million instructions (the default spacing for a Linux boot) plus the END digest.
  expect(Number(verdict![2])).toBeGreaterThanOrEqual(Math.floor(instructions / 1_000_000));
  expect(rep.stdout).toBe(rec.stdout);
  expect(rep.code).toBe(0);
}
