// mkinitramfs OUT BUSYBOX INIT: writes a gzip-compressed newc initramfs holding a static busybox,
// its applet links, /init and the directories and device node early userspace expects.
// Deterministic: same inputs → same bytes (mtime 0, uid/gid 0, fixed order).

import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { writeCpio, type CpioEntry } from "../src/loaders/cpio.js";

const APPLETS = ["sh", "mount", "umount", "cat", "echo", "ls", "uname", "poweroff", "reboot", "dmesg", "sleep", "mkdir"];

const [out, busybox, init] = process.argv.slice(2);
if (!out || !busybox || !init) {
  process.stderr.write("usage: mkinitramfs OUT.cpio.gz BUSYBOX INIT\n");
  process.exit(2);
}
const entries: CpioEntry[] = [
  ...["bin", "sbin", "dev", "proc", "sys", "root", "tmp", "etc"].map((name): CpioEntry => ({ kind: "dir", name })),
  { kind: "chardev", name: "dev/console", major: 5, minor: 1 },
  { kind: "chardev", name: "dev/null", major: 1, minor: 3, mode: 0o666 },
  { kind: "file", name: "bin/busybox", data: readFileSync(busybox), mode: 0o755 },
  ...APPLETS.map((a): CpioEntry => ({ kind: "symlink", name: `bin/${a}`, target: "busybox" })),
  { kind: "file", name: "init", data: readFileSync(init), mode: 0o755 },
];
const cpio = writeCpio(entries);
const gz = gzipSync(cpio, { level: 9 });
writeFileSync(out, gz);
process.stdout.write(`${out}: ${entries.length} entries, cpio ${cpio.length} bytes, gzip ${gz.length} bytes\n`);
