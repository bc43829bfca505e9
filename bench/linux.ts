// `npm run bench`: the Debian i386 Linux boot (scripts/debian-guest.sh) to ACPI power-off, once
// each: a plain run, a recording and its replay (virtual clock: the figures do not depend on how
// the host paced the guest), beside QEMU 7.2 TCG on the same boot (5.6 s plain; its record/replay
// 2.3× slower to record, about 10× slower to replay, a 48.9 MB log). Skipped with a note when the
// guest is not in node_modules/.cache/x86rr-debian and cannot be fetched.
// Wall-clock reads are fine here (bench/ is outside the deterministic core).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HostWorld } from "../src/replay/environment.js";
import { recordRun, replayRun, runLive, type LoaderGuest } from "../src/replay/session.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CACHE = join(root, "node_modules", ".cache", "x86rr-debian");
const QEMU_PLAIN_S = 5.6, QEMU_RECORD_X = 2.3, QEMU_REPLAY_X = 10, QEMU_LOG_MB = 48.9;

/** No serial input; no host clock (the virtual clock skips idle time). */
const world: HostWorld = { wallClockMs: () => Date.parse("2026-01-01T00:00:00Z"), pollSerial: () => null, waitForInput: () => false };

function guest(cmdline: string): LoaderGuest {
  const img = (role: "kernel" | "initrd", name: string) => ({ role, name, path: join(CACHE, name), bytes: new Uint8Array(readFileSync(join(CACHE, name))) });
  return { loader: "bzimage", name: "vmlinuz", memBytes: 256 << 20, cmdline, images: [img("kernel", "vmlinuz"), img("initrd", "initramfs.cpio.gz")] };
}

interface Timing { wall: number; cpu: number }
function timed<T>(f: () => T): [T, Timing] {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 }];
}
const fmt = (t: Timing) => `${t.wall.toFixed(1)} s wall (${t.cpu.toFixed(1)} s CPU)`;

/** `cmdline` defaults to the plain boot of test/e2e/linux-boot.test.ts. */
/** X86RR_BENCH_LINUX_MAX=N stops each run after N instructions (a quick check of the bench itself). */
export function benchLinux(cmdline = process.env.X86RR_BENCH_LINUX_APPEND ?? "console=ttyS0 nokaslr"): void {
  const max = process.env.X86RR_BENCH_LINUX_MAX ? Number(process.env.X86RR_BENCH_LINUX_MAX) : undefined;
  console.log(`\nDebian i386 Linux boot to power-off (append "${cmdline}", 256 MiB, virtual clock)`);
  if (!existsSync(join(CACHE, "vmlinuz"))) {
    try {
      execFileSync("bash", [join(root, "scripts", "debian-guest.sh"), CACHE], { stdio: "ignore" });
    } catch {
      console.log(`  skipped: the guest is not in ${CACHE} and scripts/debian-guest.sh could not fetch it`);
      return;
    }
  }
  const g = guest(cmdline);
  const [plain, tPlain] = timed(() => runLive({ guest: g, world, maxInstructions: max }));
  const mips = (n: number, t: Timing) => `${(n / t.wall / 1e6).toFixed(1)} MIPS wall, ${(n / t.cpu / 1e6).toFixed(1)} per CPU-second`;
  console.log(`  plain run: ${plain.icount} instructions (${plain.end.kind}), ${fmt(tPlain)}, ${mips(plain.icount, tPlain)}; ${(tPlain.wall / QEMU_PLAIN_S).toFixed(1)}x QEMU 7.2 TCG's ${QEMU_PLAIN_S} s`);
  const dir = mkdtempSync(join(tmpdir(), "x86rr-bench-linux-"));
  try {
    const path = join(dir, "linux.x86rr");
    const [rec, tRec] = timed(() => recordRun({ guest: g, path, world, createdAt: new Date().toISOString(), maxInstructions: max }));
    const mb = statSync(path).size / 1e6;
    console.log(`  record: ${rec.icount} instructions (${rec.end.kind}), ${fmt(tRec)}: ${(tRec.cpu / tPlain.cpu).toFixed(2)}x the plain run's CPU time (QEMU: ${QEMU_RECORD_X}x); trace ${mb.toFixed(1)} MB (QEMU's log: ${QEMU_LOG_MB} MB)`);
    const [rep, tRep] = timed(() => replayRun({ path, image: (_n, rec) => new Uint8Array(readFileSync(rec.path!)) }));
    const verdict = rep.divergence ? `DIVERGED at ${rep.divergence.at}` : `${rep.digestsVerified} digests verified`;
    console.log(`  replay: ${rep.icount} instructions, ${verdict}, ${fmt(tRep)}: ${(tRep.cpu / tRec.cpu).toFixed(2)}x the recording's CPU time, ${(tRep.cpu / tPlain.cpu).toFixed(2)}x the plain run's (QEMU: about ${QEMU_REPLAY_X}x)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
