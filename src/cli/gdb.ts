// `x86rr run --gdb PORT` and `x86rr gdb TRACE --port PORT`: serve a machine to gdb until it detaches.

import type { Machine } from "../vmx/machine.js";
import { MachineTarget } from "../gdbstub/machine-target.js";
import { openReplayTarget } from "../gdbstub/replay-target.js";
import { GdbServer } from "../gdbstub/server.js";

async function serve(target: MachineTarget, port: number, what: string, onEnd: () => void): Promise<void> {
  const server = new GdbServer(target, {
    port,
    log: (m) => process.stderr.write(`x86rr: ${m}\n`),
    onSessionEnd: (how) => {
      process.stderr.write(`x86rr: gdb ${how === "disconnect" ? "disconnected" : how === "kill" ? "killed the session" : "detached"} at icount ${target.machine.cpu.icount}\n`);
      onEnd();
      void server.close();
    },
  });
  const bound = await server.listen();
  process.stderr.write(`x86rr: ${what}: waiting for gdb on 127.0.0.1:${bound} (target remote :${bound})\n`);
}

/** Serves a live machine (stopped at its first instruction). */
export function serveGdb(machine: Machine, port: number, flush: () => void): Promise<void> {
  return serve(new MachineTarget(machine), port, "live run", flush);
}

/** Serves the trace at `path` from icount 0. */
export function serveGdbReplay(path: string, port: number, image: (name: string) => Uint8Array, snapshotEvery?: number): Promise<void> {
  const target = openReplayTarget(path, {
    image, snapshotEvery,
    onSerial: (b) => process.stdout.write(Buffer.of(b)),
    onReport: (m) => process.stderr.write(`x86rr: ${m}\n`),
  });
  return serve(target, port, `replay of ${path}`, () => {});
}
