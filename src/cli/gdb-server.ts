// The gdb stub's TCP transport. Sockets are host I/O, so it lives with the CLI (the outside world)
// rather than in src/gdbstub. One gdb at a time (a second connection gets an error packet and is
// closed), acks until QStartNoAckMode, retransmission on '-', and the run loop driven by
// setImmediate so socket input (^C, a new packet) is seen between slices.

import { createServer, type Server, type Socket } from "node:net";
import { encodePacket, PacketFramer } from "../gdbstub/packet.js";
import { GdbStub } from "../gdbstub/stub.js";
import type { Target } from "../gdbstub/target.js";

export interface GdbServerOptions {
  port: number;
  host?: string;
  /** Called when gdb detaches or kills the session, or the connection drops. */
  onSessionEnd?: (how: "detach" | "kill" | "disconnect") => void;
  /** Called when gdb connects (before its first packet is handled). */
  onAttach?: () => void;
  /** Log line for the user (stderr in the CLI). */
  log?: (message: string) => void;
}

export class GdbServer {
  private client: Socket | null = null;
  private readonly server: Server;

  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: Target, private readonly options: GdbServerOptions) {
    this.server = createServer((s) => this.accept(s));
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host ?? "127.0.0.1", () => {
        const a = this.server.address();
        resolve(typeof a === "object" && a ? a.port : this.options.port);
      });
    });
  }

  close(): Promise<void> {
    // Every socket, including refused ones whose peer has not closed yet (server.close waits for them).
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    if (this.client) {
      s.end(encodePacket("E.x86rr: another debugger is already attached to this machine"));
      this.options.log?.("refused a second gdb connection (one is already attached)");
      return;
    }
    this.client = s;
    s.setNoDelay(true);
    this.options.onAttach?.();
    const framer = new PacketFramer();
    let lastSent: Buffer | null = null;
    let ended = false;
    const finish = (how: "detach" | "kill" | "disconnect") => {
      if (ended) return;
      ended = true;
      this.client = null;
      s.end();
      this.options.onSessionEnd?.(how);
    };
    const stub = new GdbStub(this.target, {
      send: (data) => {
        lastSent = encodePacket(data);
        if (!s.destroyed) s.write(lastSent);
      },
      end: (how) => finish(how),
    });
    const pump = () => {
      if (ended) return;
      if (stub.poll()) setImmediate(pump);
    };
    s.on("data", (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        switch (f.kind) {
          case "interrupt": stub.interrupt(); break;
          case "nak": if (lastSent && !stub.noAck) s.write(lastSent); break;
          case "ack": break;
          case "bad-checksum": if (!stub.noAck) s.write("-"); break;
          case "too-long":
            if (!stub.noAck) s.write("+");
            lastSent = encodePacket("E22");
            s.write(lastSent);
            break;
          case "packet": {
            if (!stub.noAck) s.write("+");
            const wasRunning = stub.isRunning;
            try {
              stub.handle(f.data);
            } catch (e) {
              // Bad input never takes the stub down; an emulator bug is reported, not swallowed silently.
              this.options.log?.(`gdb packet ${JSON.stringify(f.data.toString("latin1").slice(0, 40))} failed: ${(e as Error).stack ?? e}`);
              s.write(encodePacket("E01"));
            }
            if (!wasRunning && stub.isRunning) setImmediate(pump);
            break;
          }
        }
      }
    });
    s.on("close", () => finish("disconnect"));
    s.on("error", () => finish("disconnect"));
  }
}
