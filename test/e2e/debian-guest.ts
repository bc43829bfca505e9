// The Debian i386 guest for the e2e tests: scripts/debian-guest.sh fetches linux-image-686 and
// busybox-static from the Debian archive and builds the initramfs into a cache directory (reused
// when present). The tests run the built CLI (dist/, which `npm test` builds first) in a child
// process: vitest's module transform would make the interpreter several times slower.

import { execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
