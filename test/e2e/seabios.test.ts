// Debian's SeaBIOS (package seabios, /usr/share/seabios/bios.bin) on `x86rr run --bios`, checked
// against QEMU running the same bios.bin: the version banner SeaBIOS logs on the 0x402 debug
// console, and the lines its serial console prints (banner, "No bootable device."), are text that
// does not depend on the machine. Then record → replay of the same run, and a changed ROM refused.
// The ROM is fetched with `apt-get download seabios` into node_modules/.cache (reused when present).

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, x86rr } from "./debian-guest.js";

const CACHE = join(REPO, "node_modules", ".cache", "x86rr-seabios");
const BIOS = join(CACHE, "usr", "share", "seabios", "bios.bin");
const MAX = "30000000";

function fetchSeabios(): void {
  if (existsSync(BIOS)) return;
  mkdirSync(CACHE, { recursive: true });
  try {
    execFileSync("apt-get", ["download", "seabios"], { cwd: CACHE, stdio: ["ignore", "pipe", "pipe"] });
    const deb = readdirSync(CACHE).find((f) => f.startsWith("seabios_") && f.endsWith(".deb"));
    if (!deb) throw new Error("apt-get download left no seabios_*.deb");
    execFileSync("dpkg-deb", ["-x", join(CACHE, deb), CACHE]);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`could not fetch Debian's seabios package with apt-get download into ${CACHE} (is the Debian archive reachable?): ` +
      `${(err.stderr?.toString() ?? err.message).trim().split("\n").slice(-3).join(" / ")}`);
  }
}

/** QEMU (the oracle) on the same ROM for about 3 s: its debug console (port 0x402) and serial output. */
function qemu(bios: string, dir: string): Promise<{ debug: string; serial: string }> {
  const debug = join(dir, "qemu-debug.txt"), serial = join(dir, "qemu-serial.txt");
  return new Promise((resolve, reject) => {
    const child = spawn("qemu-system-i386", ["-nographic", "-nodefaults", "-display", "none", "-monitor", "none", "-m", "64", "-bios", bios,
      "-chardev", `file,id=d,path=${debug}`, "-device", "isa-debugcon,chardev=d,iobase=0x402", "-serial", `file:${serial}`], { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.on("error", (e) => { clearTimeout(timer); reject(new Error(`qemu-system-i386 (the oracle; Debian package qemu-system-x86) did not start: ${e.message}`)); });
    child.on("close", () => { clearTimeout(timer); resolve({ debug: readFileSync(debug, "latin1"), serial: readFileSync(serial, "latin1") }); });
  });
}

const lines = (s: string) => s.split(/\r?\n/).map((l) => l.replace(/^.*\x1b\[0m/, "").trim());

describe("SeaBIOS (Debian bios.bin) on x86rr run --bios", () => {
  let dir = "";
  beforeAll(() => { fetchSeabios(); dir = mkdtempSync(join(tmpdir(), "x86rr-seabios-")); });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it("prints QEMU's SeaBIOS version banner and serial console lines, then reboots after 'No bootable device.'", async () => {
    const [ours, oracle] = await Promise.all([x86rr(["run", "--bios", BIOS, "--max-instructions", MAX], 120_000), qemu(BIOS, dir)]);
    const banner = lines(oracle.debug)[0];
    expect(banner).toMatch(/^SeaBIOS \(version .+\)$/);
    expect(lines(ours.stderr)).toContain(banner); // x86rr run --bios sends the debug console to stderr
    // The serial console (sercon on COM1): QEMU's lines that name no device order or disk.
    for (const l of [banner, "No bootable device."]) {
      expect(lines(oracle.serial).some((x) => x.startsWith(l))).toBe(true);
      expect(lines(ours.stdout).some((x) => x.startsWith(l))).toBe(true);
    }
    expect(ours.stderr).toMatch(/guest shut down \(reset requested by the guest\)/);
  }, 180_000);

  it("record --bios then replay reaches the same end; a changed ROM is refused by SHA-256", async () => {
    const trace = join(dir, "seabios.x86rr");
    const rec = await x86rr(["record", "--bios", BIOS, "--cpu", "pentium2", "-o", trace, "--max-instructions", MAX], 120_000);
    expect(rec.stderr).toMatch(/recorded \d+ instructions/);
    const rep = await x86rr(["replay", trace, "--verify-only"], 120_000);
    expect(rep.code).toBe(0);
    const changed = join(dir, "bios-changed.bin");
    const bytes = readFileSync(BIOS);
    bytes[0] ^= 1;
    writeFileSync(changed, bytes);
    const bad = await x86rr(["replay", trace, "--bios", changed, "--verify-only"], 60_000);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/bios image bios.bin differs from the one recorded/);
  }, 300_000);

  it("a ROM of the wrong size → one-line error, exit 2", async () => {
    const odd = join(dir, "odd.bin");
    writeFileSync(odd, Buffer.alloc(1000));
    const r = await x86rr(["run", "--bios", odd], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^x86rr: odd.bin: offset 0x0: expected a BIOS ROM image of a multiple of 64 KiB/)]);
  });
});
