// `x86rr run --gdb PORT [--gdb-wait]` and `x86rr gdb TRACE --port PORT`: serve a machine to gdb.
// A live run without --gdb-wait runs freely until gdb attaches (it stops where it is) and runs
// on after gdb detaches; with --gdb-wait it waits for gdb before its first instruction.

import type { Machine } from "../vmx/machine.js";
import { MachineTarget } from "../gdbstub/machine-target.js";
import { openReplayTarget } from "../gdbstub/replay-target.js";
import type { ImageSource } from "../replay/guest-setup.js";
import { GdbServer } from "./gdb-server.js";
import { SLICE } from "../gdbstub/stub.js";
import type { StopReason } from "../gdbstub/target.js";

const say = (m: string) => process.stderr.write(`x86rr: ${m}\n`);

function describeStop(r: StopReason, icount: number): string {
  if (r.kind === "exited") return `guest wrote ${r.code} to the debug-exit port after ${icount} instructions`;
  if (r.kind === "terminated") return `${r.why} after ${icount} instructions`;
  return `stopped (${r.kind}) after ${icount} instructions`;
}

/** Serves a live machine; `wait`: stopped at its first instruction until gdb attaches. */
export async function serveGdb(machine: Machine, port: number, wait: boolean, flush: () => void): Promise<void> {
  const target = new MachineTarget(machine);
  let free = !wait;
  let done = false;
  const server: GdbServer = new GdbServer(target, {
    port,
    log: say,
    onAttach: () => { free = false; },
    onSessionEnd: (how) => {
      flush();
      say(`gdb ${how === "disconnect" ? "disconnected" : how === "kill" ? "killed the session" : "detached"} at icount ${machine.cpu.icount}`);
      if (how === "kill") return finish(null);
      free = true;
      runFree();
    },
  });
  const finish = (r: StopReason | null) => {
    if (done) return;
    done = true;
    flush();
    if (r) {
      say(describeStop(r, machine.cpu.icount));
      if (r.kind === "exited") process.exitCode = r.code;
      else if (r.kind === "terminated") process.exitCode = 2;
    }
    void server.close();
  };
  const runFree = () => {
    if (!free || done) return;
    target.resume("continue");
    const r = target.runSlice(SLICE);
    if (r) return finish(r);
    setImmediate(runFree);
  };
  const bound = await server.listen();
  say(`live run: ${wait ? "waiting for gdb" : "running; gdb may attach"} on 127.0.0.1:${bound} (target remote :${bound})`);
  runFree();
}

/** Serves the trace at `path` from icount 0. */
export async function serveGdbReplay(path: string, port: number, image: ImageSource, snapshotEvery?: number): Promise<void> {
  const target = openReplayTarget(path, {
    image, snapshotEvery,
    onSerial: (b) => process.stdout.write(Buffer.of(b)),
    onReport: (m) => say(m),
  });
  const server: GdbServer = new GdbServer(target, {
    port,
    log: say,
    onSessionEnd: (how) => {
      say(`gdb ${how === "disconnect" ? "disconnected" : how === "kill" ? "killed the session" : "detached"} at icount ${target.machine.cpu.icount}`);
      void server.close();
    },
  });
  const bound = await server.listen();
  say(`replay of ${path}: waiting for gdb on 127.0.0.1:${bound} (target remote :${bound})`);
}
