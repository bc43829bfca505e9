// Record/replay of kernels booted through a loader (--kernel/--initrd): the trace header keeps
// each image's name, size, SHA-256 and recorded path, and a replay reloads them and checks them.
//
// First fast tests on a synthetic bzImage and a multiboot a.out-kludge kernel (no Linux; their
// headers written here from the specs); the bzImage: the 32-bit boot protocol header written
// here from Documentation/arch/x86/boot.rst, whose protected-mode code writes 0 to the
// isa-debug-exit port. Then the Debian i386 boot (test/e2e/debian-guest.ts), recorded with
// `cryptomgr.notests` on the kernel command line: it skips the kernel's crypto self-tests (2.8G
// instructions to power-off on 2026-11-23 instead of about 6.5G) so the record and the replay fit in CI;
// test/e2e/linux-boot.test.ts boots the plain command line. Recorded with the virtual clock;
// test/e2e/linux-host-clock.test.ts records the same boot with --clock host.

import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CACHE, CLI, expectRecordedPowerOff, expectReplayIdentical, fetchGuest, MARKER, x86rr } from "./debian-guest.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-linux-rr-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A bzImage of protocol 2.15: one setup sector after the boot sector, then `pm` at 1 MiB. */
function bzImage(pm: number[]): Uint8Array {
  const img = new Uint8Array(2 * 512 + 16);
  const v = new DataView(img.buffer);
  img[0x1f1] = 1;                                         // setup_sects
  v.setUint32(0x1f4, 1, true);                            // syssize: 16-byte paragraphs
  v.setUint16(0x1fe, 0xaa55, true);                       // boot_flag
  img.set([0x48, 0x64, 0x72, 0x53], 0x202);               // "HdrS"
  v.setUint16(0x206, 0x020f, true);                       // protocol 2.15
  img[0x211] = 0x01;                                      // loadflags: LOADED_HIGH
  v.setUint32(0x214, 0x100000, true);                     // code32_start
  v.setUint32(0x22c, 0x7fffffff, true);                   // initrd_addr_max
  v.setUint32(0x230, 0x100000, true);                     // kernel_alignment
  img[0x234] = 1;                                         // relocatable_kernel
  v.setUint32(0x238, 0x7ff, true);                        // cmdline_size
  v.setUint32(0x258, 0x100000, true);                     // pref_address
  v.setUint32(0x260, 0x100000, true);                     // init_size
  img.set(pm, 1024);
  return img;
}

describe("record/replay of a --kernel/--initrd boot", () => {
  // mov al, 0 ; out 0xf4, al ; hlt  (isa-debug-exit: status (0 << 1) | 1 → exit code 0)
  const kernel = join(dir, "bz.img"), initrd = join(dir, "initrd-a.img"), other = join(dir, "initrd-b.img");
  writeFileSync(kernel, bzImage([0xb0, 0x00, 0xe6, 0xf4, 0xf4]));
  writeFileSync(initrd, Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
  writeFileSync(other, Uint8Array.from({ length: 3000 }, (_, i) => (i * 11) & 0xff));
  const trace = join(dir, "bz.x86rr");

  it("record --kernel --initrd → header lists both images with size and SHA-256; replay from the recorded paths is identical", async () => {
    expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
    const rec = await x86rr(["record", "--kernel", kernel, "--initrd", initrd, "--append", "console=ttyS0", "--mem", "16", "-o", trace], 60_000);
    expect(rec.stderr).toMatch(/recorded \d+ instructions \(exit\)/);
    expect(rec.code).toBe(0);
    const info = await x86rr(["info", trace], 60_000);
    expect(info.stdout).toContain(`bz.img ${readFileSync(kernel).length} bytes sha256 ${sha256(readFileSync(kernel))}`);
    expect(info.stdout).toContain(`initrd-a.img 3000 bytes sha256 ${sha256(readFileSync(initrd))}`);
    expect(info.stdout).toMatch(/cmdline\s+"console=ttyS0"/);
    const rep = await x86rr(["replay", trace], 60_000);
    expect(rep.stderr).toMatch(/replay identical: \d+ instructions, \d+ digests verified, ended as recorded/);
    expect(rep.code).toBe(0);
  }, 120_000);

  it("replay --initrd with another file → refused in one line naming the initrd and both SHA-256", async () => {
    const rep = await x86rr(["replay", trace, "--initrd", other], 60_000);
    expect(rep.code).toBe(2);
    const lines = rep.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("initrd image initrd-a.img differs from the one recorded");
    expect(lines[0]).toContain(sha256(readFileSync(initrd)));
    expect(lines[0]).toContain(sha256(readFileSync(other)));
  }, 60_000);

  it("recorded initrd moved away → replay names its recorded path; --initrd with the moved file replays", async () => {
    const moved = join(dir, "moved.img");
    renameSync(initrd, moved);
    const missing = await x86rr(["replay", trace], 60_000);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain(initrd);
    expect(missing.stderr).toContain("--initrd");
    const rep = await x86rr(["replay", trace, "--initrd", moved], 60_000);
    expect(rep.stderr).toMatch(/replay identical/);
    expect(rep.code).toBe(0);
  }, 120_000);
});

/** A multiboot v1 kernel with the a.out kludge (multiboot spec 3.1.1-3.1.3): header at 0, loaded at 1 MiB, entry after the header. */
function multibootKernel(code: number[]): Uint8Array {
  const img = new Uint8Array(0x20 + code.length);
  const v = new DataView(img.buffer);
  const magic = 0x1badb002, flags = 0x00010000;
  v.setUint32(0, magic, true);
  v.setUint32(4, flags, true);
  v.setUint32(8, (-(magic + flags)) >>> 0, true);         // checksum: magic + flags + checksum = 0
  v.setUint32(12, 0x100000, true);                        // header_addr
  v.setUint32(16, 0x100000, true);                        // load_addr
  v.setUint32(20, 0, true);                               // load_end_addr 0: the whole file
  v.setUint32(24, 0, true);                               // bss_end_addr 0: no bss
  v.setUint32(28, 0x100020, true);                        // entry_addr
  img.set(code, 0x20);
  return img;
}

describe("record/replay of a --multiboot/--module boot", () => {
  it("record --multiboot --module ×2 → replay identical; a module changed on disk → refused naming it and both SHA-256", async () => {
    const kernel = join(dir, "mb.elf"), modA = join(dir, "mod-a"), modB = join(dir, "mod-b"), trace = join(dir, "mb.x86rr");
    writeFileSync(kernel, multibootKernel([0xb0, 0x00, 0xe6, 0xf4, 0xf4]));
    writeFileSync(modA, "first module");
    writeFileSync(modB, "second module");
    const rec = await x86rr(["record", "--multiboot", kernel, "--module", modA, "--module", modB, "--mem", "16", "-o", trace], 60_000);
    expect(rec.stderr).toMatch(/recorded \d+ instructions \(exit\)/);
    const rep = await x86rr(["replay", trace], 60_000);
    expect(rep.stderr).toMatch(/replay identical/);
    const before = sha256(readFileSync(modB));
    writeFileSync(modB, "second module, edited");
    const refused = await x86rr(["replay", trace], 60_000);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain("module image mod-b differs from the one recorded");
    expect(refused.stderr).toContain(before);
    expect(refused.stderr).toContain(sha256(readFileSync(modB)));
  }, 120_000);
});

const BOOT_TIMEOUT_MS = 60 * 60_000;

/** The Debian trace the recording test leaves for the bisect test. */
let recordedTrace = "";

describe("Debian i386 Linux boot, recorded and replayed", () => {
  it(`record (cryptomgr.notests) → "${MARKER}", power-off; replay → every digest matches, same serial output, same icount`, async () => {
    expect(existsSync(CLI), `${CLI} missing: run npm run build (npm test does it first)`).toBe(true);
    fetchGuest();
    const trace = join(dir, "linux.x86rr");
    const rec = await x86rr([
      "record", "--kernel", join(CACHE, "vmlinuz"), "--initrd", join(CACHE, "initramfs.cpio.gz"),
      "--append", "console=ttyS0 nokaslr cryptomgr.notests", "--mem", "256", "-o", trace,
    ], BOOT_TIMEOUT_MS / 2 - 60_000);
    const instructions = expectRecordedPowerOff(rec);
    const rep = await x86rr(["replay", trace], BOOT_TIMEOUT_MS / 2 - 60_000);
    expectReplayIdentical(rec, rep, instructions);
    recordedTrace = trace;
  }, BOOT_TIMEOUT_MS);

  // Issue 6's yardstick: bisect the boot to the kernel's "Freeing unused kernel" line. Oracle for the
  // answer: the instruction that makes the serial output match must be the OUT of the line's last
  // character ('l') to COM1's data port 0x3F8, and no probe may diverge from the recording (probes
  // restore mid-boot snapshots into the machine that reached the power-off at the end).
  it("bisect --until 'serial:/Freeing unused kernel/' → the OUT of its last 'l' to port 0x3F8, no divergence", async () => {
    expect(recordedTrace, "the recording test above did not produce a trace").not.toBe("");
    const b = await x86rr(["bisect", recordedTrace, "--until", "serial:/Freeing unused kernel/"], BOOT_TIMEOUT_MS / 2 - 60_000);
    expect(b.code, b.stderr.slice(-3000)).toBe(0);
    const all = b.stdout + b.stderr;
    expect(all).not.toMatch(/diverged/);
    const found = /first true at icount (\d+)\n\s+made true by instruction (\d+): 0x[0-9a-f]+\s+out dx,al/.exec(all);
    expect(found, all.slice(-3000)).not.toBeNull();
    expect(Number(found![2])).toBe(Number(found![1]) - 1);
    expect(all).toMatch(/eax 0x[0-9a-f]{6}6c\s+ecx 0x[0-9a-f]{8}\s+edx 0x[0-9a-f]{4}03f8/);
    expect(all).toContain(`monitor seek ${found![1]}`);
  }, BOOT_TIMEOUT_MS);
});
