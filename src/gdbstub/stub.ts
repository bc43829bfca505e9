// The stub core: dispatches parsed packets to the target, keeps the all-stop state (stopped /
// running), and turns stop reasons into stop replies. It never owns the run loop: while the
// target runs, the transport calls poll() between socket events (setImmediate), and each poll
// runs one slice.

import { parseBreakpoint } from "./commands/breakpoints.js";
import { parseMemory } from "./commands/memory.js";
import { parseQuery, type QueryCommand } from "./commands/query.js";
import { parseRegisters, type RegisterCommand } from "./commands/registers.js";
import { parseResume, type ResumeCommand } from "./commands/resume.js";
import { MAX_PACKET, toHex } from "./packet.js";
import { TARGET_XML } from "./target-xml.js";
import { SIGINT, SIGTRAP, type StopReason, type Target } from "./target.js";

/** Instructions per slice between socket polls. */
export const SLICE = 20_000;

export interface StubIo {
  /** Sends one reply packet (the transport frames it). */
  send(data: string | Buffer): void;
  /** gdb detached (D) or killed (k): the transport closes the connection. */
  end(how: "detach" | "kill"): void;
}

/** Formats a stop reason as a stop reply (gdb manual, "Stop Reply Packets"). */
export function stopReply(r: StopReason): string {
  const t = (sig: number, extra = "") => `T${sig.toString(16).padStart(2, "0")}${extra}thread:1;`;
  switch (r.kind) {
    case "signal": return t(r.signal);
    case "swbreak": return t(SIGTRAP, "swbreak:;");
    case "hwbreak": return t(SIGTRAP, "hwbreak:;");
    case "watch": return t(SIGTRAP, `${r.type}:${(r.addr >>> 0).toString(16)};`);
    case "exited": return `W${(r.code & 0xff).toString(16).padStart(2, "0")}`;
    case "replaylog": return t(SIGTRAP, `replaylog:${r.end};`);
    case "terminated": return t(SIGTRAP);
  }
}

export class GdbStub {
  private running = false;
  private interruptRequested = false;
  private last: StopReason = { kind: "signal", signal: SIGTRAP };
  /** Set by QStartNoAckMode (the transport asks). */
  noAck = false;

  constructor(private readonly target: Target, private readonly io: StubIo) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Ctrl-C (0x03): stop at the next slice boundary. */
  interrupt(): void {
    if (this.running) this.interruptRequested = true;
  }

  /** Runs one slice if running; returns true while still running. */
  poll(): boolean {
    if (!this.running) return false;
    if (this.interruptRequested) {
      this.target.interrupt?.();
      return this.stop({ kind: "signal", signal: SIGINT });
    }
    const r = this.target.runSlice(SLICE);
    if (r) return this.stop(r);
    return true;
  }

  private stop(r: StopReason): boolean {
    this.running = false;
    this.interruptRequested = false;
    this.last = r;
    if (r.kind === "terminated") this.io.send("O" + toHex(Buffer.from(`x86rr: ${r.why}\n`)));
    this.io.send(stopReply(r));
    return false;
  }

  /** Handles one packet's data (already unescaped). */
  handle(raw: Buffer): void {
    const p = raw.toString("latin1");
    if (this.running) return; // all-stop: only ^C is meaningful while running
    const c = p[0];
    if (c === "?") return this.io.send(stopReply(this.last));
    if (c === "g" || c === "G" || c === "p" || c === "P") return this.registers(parseRegisters(p));
    if (c === "m" || c === "M" || c === "X") return this.memory(raw);
    if (c === "Z" || c === "z") {
      const b = parseBreakpoint(p);
      if (!b) return this.io.send("E16");
      const ok = b.insert ? this.target.addBreakpoint(b.type, b.addr, b.len) : this.target.removeBreakpoint(b.type, b.addr, b.len);
      return this.io.send(ok ? "OK" : "E16");
    }
    if (c === "D") { this.io.send("OK"); return this.io.end("detach"); }
    if (c === "k") return this.io.end("kill");
    const resume = parseResume(p);
    if (resume) return this.resume(resume);
    const q = parseQuery(p);
    if (q) return this.query(q);
    this.io.send(""); // unknown or malformed: "not supported"
  }

  private registers(cmd: RegisterCommand | null): void {
    const t = this.target;
    if (!cmd) return this.io.send("E16");
    switch (cmd.op) {
      case "readAll": {
        let s = "";
        for (let n = 0; n < t.registerCount; n++) s += toHex(t.readRegister(n)!);
        return this.io.send(s);
      }
      case "readOne": {
        const v = t.readRegister(cmd.n);
        return this.io.send(v ? toHex(v) : "E16");
      }
      case "writeOne":
        return this.io.send(t.writeRegister(cmd.n, cmd.bytes) ? "OK" : "E16");
      case "writeAll": {
        let off = 0, ok = true;
        for (let n = 0; n < t.registerCount && off < cmd.bytes.length; n++) {
          const size = t.readRegister(n)!.length;
          if (off + size > cmd.bytes.length) { ok = false; break; }
          const cur = t.readRegister(n)!, next = cmd.bytes.subarray(off, off + size);
          if (!Buffer.from(cur).equals(next) && !t.writeRegister(n, next)) ok = false;
          off += size;
        }
        return this.io.send(ok ? "OK" : "E16");
      }
    }
  }

  private memory(raw: Buffer): void {
    const cmd = parseMemory(raw);
    if (!cmd) return this.io.send("E16");
    if (cmd.op === "read") {
      if (cmd.len * 2 > MAX_PACKET) return this.io.send("E16");
      const bytes = this.target.readMemory(cmd.addr, cmd.len);
      return this.io.send(bytes.length === 0 && cmd.len > 0 ? "E14" : toHex(bytes));
    }
    if (cmd.bytes.length === 0) return this.io.send("OK");
    this.io.send(this.target.writeMemory(cmd.addr, cmd.bytes) ? "OK" : "E14");
  }

  private resume(cmd: ResumeCommand): void {
    const t = this.target;
    if (cmd.op === "reverseStep" || cmd.op === "reverseContinue") {
      if (!t.reverse) return this.io.send("");
      if (cmd.op === "reverseStep") { this.stop(t.reverse.reverseStep()); return; }
      t.resume("reverseContinue");
      this.running = true;
      this.interruptRequested = false;
      return;
    }
    if (cmd.addr !== undefined) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(cmd.addr >>> 0);
      t.writeRegister(8, b);
    }
    t.resume(cmd.op === "step" ? "step" : "continue");
    this.running = true;
    this.interruptRequested = false;
  }

  private query(q: QueryCommand): void {
    const io = this.io;
    switch (q.op) {
      case "supported": {
        const rev = this.target.reverse ? ";ReverseStep+;ReverseContinue+" : "";
        return io.send(`PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+${rev}`);
      }
      case "xferFeatures": {
        if (q.annex !== "target.xml") return io.send("E00");
        const doc = Buffer.from(TARGET_XML, "latin1");
        const part = doc.subarray(q.offset, q.offset + Math.min(q.length, MAX_PACKET - 16));
        const more = q.offset + part.length < doc.length;
        return io.send(Buffer.concat([Buffer.from(more ? "m" : "l"), part]));
      }
      case "currentThread": return io.send("QC1");
      case "threadInfoFirst": return io.send("m1");
      case "threadInfoNext": return io.send("l");
      case "attached": return io.send("1");
      case "setThread": case "threadAlive": return io.send("OK");
      case "vContQuery": return io.send("vCont;c;C;s;S");
      case "noAck": this.noAck = true; return io.send("OK");
      case "rcmd": {
        if (!this.target.monitor) return io.send("");
        const out = this.target.monitor(q.command);
        return io.send(out.length ? toHex(Buffer.from(out)) : "OK");
      }
    }
  }
}
