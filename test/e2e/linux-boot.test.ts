// Boots Debian's i386 Linux kernel (linux-image-686) with a busybox initramfs on x86rr through the
// bzImage loader, and expects the guest's /init (scripts/guest/init) to print its marker line on
// the serial console. The guest is fetched by scripts/debian-guest.sh into a cache directory
// (reused when present); if the Debian archive cannot be reached the test fails with the
// script's message. The boot runs the built CLI (dist/, which `npm test` builds first) in a child
// process: vitest's module transform would make the interpreter several times slower.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CACHE, CLI, fetchGuest, MARKER, x86rr } from "./debian-guest.js";

const BOOT_TIMEOUT_MS = 40 * 60_000;
const boot = (args: string[]) => x86rr(["run", ...args], BOOT_TIMEOUT_MS - 60_000);

describe("Debian i386 Linux boot", () => {
  it(`vmlinuz + busybox initramfs, console=ttyS0 → "${MARKER}" on COM1, then ACPI power-off`, async () => {
    expect(existsSync(CLI), `${CLI} missing: run npm run build (npm test does it first)`).toBe(true);
    fetchGuest();
    const r = await boot([
      "--kernel", join(CACHE, "vmlinuz"), "--initrd", join(CACHE, "initramfs.cpio.gz"),
      "--append", "console=ttyS0 nokaslr", "--mem", "256",
    ]);
    const tail = `\n--- last serial lines ---\n${r.stdout.split("\n").slice(-25).join("\n")}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
    expect(r.stdout.includes(MARKER), `marker not seen${tail}`).toBe(true);
    // The guest's /init runs uname after the marker: userspace really executes.
    expect(r.stdout).toMatch(/Linux \S+ 6\.\d+\.\d+-\S+-686 .* i686 GNU\/Linux/);
    expect(r.stdout.includes("X86RR-GUEST-MARKER: powering off"), `no power-off line${tail}`).toBe(true);
    // busybox `poweroff -f` → the kernel's ACPI S5 (our FADT/DSDT) → the run ends powered off, exit 0.
    expect(r.stdout).toMatch(/reboot: Power down/);
    expect(r.stderr).toMatch(/x86rr: guest powered off \(ACPI S5\) after \d+ instructions/);
    expect(r.code).toBe(0);
    // The kernel found the machine's firmware tables and interrupt controllers.
    expect(r.stdout).toMatch(/ACPI: PM: \(supports S0 S5\)/);
    expect(r.stdout).toMatch(/IO-APIC\s+2-edge\s+timer/);
  }, BOOT_TIMEOUT_MS);
});
