// The Debian i386 boot (test/e2e/debian-guest.ts) recorded with --clock host and replayed: guest
// time follows the host's clock through HOST_TIME samples (src/replay/host-clock.ts), and replay
// reproduces the run from the trace alone. The kernel's own messages are the oracle for the time
// it saw: the TSC is guest ns at 1 GHz (docs/architecture.md), so Linux, calibrating it against
// the PIT or the PM timer (both driven by the same guest time), must detect about 1000 MHz, and
// must not report a calibration mismatch or a soft lockup (what guest time jumping to each host
// sample caused before). `cryptomgr.notests` skips the crypto self-tests so the boot fits in CI.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CACHE, CLI, expectRecordedPowerOff, expectReplayIdentical, fetchGuest, MARKER, runTail, x86rr } from "./debian-guest.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-linux-hc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Generous: the CI machine has 2 cores and runs the other Linux boots alongside. */
const BOOT_TIMEOUT_MS = 60 * 60_000;

describe("Debian i386 Linux boot under --clock host, recorded and replayed", () => {
  it(`record --clock host → TSC detected at 1000 MHz ± 2%, no calibration mismatch or soft lockup, "${MARKER}", power-off; replay → same serial output, every digest (the final one too) matches, same icount`, async () => {
    expect(existsSync(CLI), `${CLI} missing: run npm run build (npm test does it first)`).toBe(true);
    fetchGuest();
    const trace = join(dir, "linux-host.x86rr");
    const rec = await x86rr([
      "record", "--clock", "host", "--kernel", join(CACHE, "vmlinuz"), "--initrd", join(CACHE, "initramfs.cpio.gz"),
      "--append", "console=ttyS0 nokaslr cryptomgr.notests", "--mem", "256", "-o", trace,
    ], BOOT_TIMEOUT_MS / 2 - 60_000);
    const instructions = expectRecordedPowerOff(rec);
    const mhz = /tsc: Detected (\d+\.\d+) MHz processor/.exec(rec.stdout);
    expect(mhz, `no "tsc: Detected ... MHz" line${runTail(rec)}`).not.toBeNull();
    expect(Number(mhz![1])).toBeGreaterThan(980);
    expect(Number(mhz![1])).toBeLessThan(1020);
    expect(rec.stdout).not.toMatch(/calibration deviates|calibration not consistent/i);
    expect(rec.stdout).not.toMatch(/soft lockup/i);

    const rep = await x86rr(["replay", trace], BOOT_TIMEOUT_MS / 2 - 60_000);
    expectReplayIdentical(rec, rep, instructions);
  }, BOOT_TIMEOUT_MS);
});
