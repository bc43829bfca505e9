// The host side of a live or recorded run: the serial console (stdin → COM1), the host's
// monotonic clock, and the asynchronous driver that runs the Recorder slice by slice while the
// terminal keeps being read.
//
// stdin a TTY: raw mode, every keystroke goes to COM1; Ctrl-A x quits, Ctrl-A Ctrl-A sends one
// Ctrl-A, Ctrl-A h prints this help (QEMU's escapes). The terminal mode is restored on every exit
// path (normal end, error, signal, process exit). stdin not a TTY: its bytes are the serial input
// and its end is the end of input. With a --serial-in file, the file is the input and stdin is
// not read.

import { readFileSync } from "node:fs";
import type { HostWorld } from "../replay/environment.js";
import { Need, type Recorder } from "../replay/recorder.js";

const CTRL_A = 0x01;
const HELP = "\r\nx86rr console: C-a x  quit    C-a C-a  send C-a    C-a h  this help\r\n";

export class HostConsole {
  readonly world: HostWorld;
  /** The user asked to quit (Ctrl-A x). */
  stopped = false;
  private queue: number[] = [];
  private eof = false;
  private escape = false;
  private wake: (() => void) | null = null;
  private rawTty = false;
  private readonly restoreOnExit = () => this.restoreTerminal();
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.close();
    process.kill(process.pid, sig);
  };
  private readonly onData = (chunk: Buffer) => this.take(chunk);
  private readonly onEnd = () => { this.eof = true; this.notify(); };

  constructor(serialFile?: string) {
    if (serialFile !== undefined) {
      this.queue.push(...readFileSync(serialFile));
      this.eof = true;
    } else {
      const stdin = process.stdin;
      if (stdin.isTTY) {
        stdin.setRawMode(true);
        this.rawTty = true;
        process.on("exit", this.restoreOnExit);
        for (const s of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.once(s, this.onSignal);
      }
      stdin.on("data", this.onData);
      stdin.on("end", this.onEnd);
      stdin.resume();
    }
    this.world = {
      wallClockMs: () => Date.now(),
      pollSerial: () => {
        if (this.queue.length === 0) return null;
        const bytes = Uint8Array.from(this.queue);
        this.queue.length = 0;
        return bytes;
      },
      // Synchronous waits are not used: drive() awaits instead.
      waitForInput: () => !this.eof,
      hostClock: { nowNs: () => Number(process.hrtime.bigint()), idleUntil: () => {} },
      stopRequested: () => this.stopped,
    };
  }

  private take(chunk: Buffer): void {
    for (const b of chunk) {
      if (!this.rawTty) this.queue.push(b);
      else if (this.escape) {
        this.escape = false;
        if (b === 0x78 || b === 0x58) this.stopped = true;
        else if (b === CTRL_A) this.queue.push(CTRL_A);
        else if (b === 0x68 || b === 0x3f) process.stderr.write(HELP);
      } else if (b === CTRL_A) this.escape = true;
      else this.queue.push(b);
    }
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Resolves when input arrived (true) or none will come: end of input, or the user quit (false). */
  async waitInput(): Promise<boolean> {
    for (;;) {
      if (this.queue.length > 0) return true;
      if (this.eof || this.stopped) return false;
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }

  /**
   * Resolves at host monotonic time `ns` (world.hostClock's origin, as Environment.hostDeadline
   * gives it), or earlier when input arrives or the user quits.
   */
  async waitUntil(ns: number): Promise<void> {
    // A timer may fire up to a millisecond early by hrtime (libuv rounds its loop time): wait again.
    for (;;) {
      const ms = (ns - this.world.hostClock!.nowNs()) / 1e6;
      if (ms <= 0 || this.queue.length > 0 || this.stopped) return;
      const input = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => { this.wake = null; resolve(false); }, Math.ceil(ms));
        this.wake = () => { clearTimeout(t); resolve(true); };
      });
      if (input) return;
    }
  }

  private restoreTerminal(): void {
    if (this.rawTty) {
      this.rawTty = false;
      process.stdin.setRawMode(false);
    }
  }

  /** Restores the terminal and stops reading stdin. */
  close(): void {
    this.restoreTerminal();
    process.off("exit", this.restoreOnExit);
    for (const s of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.off(s, this.onSignal);
    process.stdin.off("data", this.onData);
    process.stdin.off("end", this.onEnd);
    process.stdin.pause();
  }
}

/** Yield to the event loop (stdin, timers) at least this often while the guest runs (ms). */
const YIELD_MS = 10;

/** Runs the Recorder to its end, waiting asynchronously for input and host time; `flush` writes buffered guest output before each wait. */
export async function drive(r: Recorder, con: HostConsole, flush: () => void = () => {}): Promise<void> {
  let need = Need.RUN;
  let lastYield = performance.now();
  for (;;) {
    if (need !== Need.RUN && need !== Need.DONE) flush();
    if (need !== Need.RUN && need !== Need.DONE && con.stopped) {
      r.end = { kind: "stopped" };
      return;
    }
    switch (need) {
      case Need.RUN:
        need = r.step();
        if (performance.now() - lastYield >= YIELD_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        break;
      case Need.WAIT_INPUT:
        need = r.resume(await con.waitInput());
        lastYield = performance.now();
        break;
      case Need.WAIT_UNTIL:
        await con.waitUntil(r.waitUntilNs);
        need = r.resume(true);
        lastYield = performance.now();
        break;
      default:
        // A wait the user ended with Ctrl-A x leaves the guest as it was: stopped, not hung.
        if (con.stopped && (r.end.kind === "hung" || r.end.kind === "idle" || r.end.kind === "limit")) r.end = { kind: "stopped" };
        return;
    }
  }
}
