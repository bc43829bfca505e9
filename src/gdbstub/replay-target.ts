// A recorded trace as a gdb target: the machine the header describes, its recorded inputs handed
// over at their icounts (timeline.ts), and the trace's end as the end of forward execution.

import { EventKind, type TraceEvent } from "../replay/trace-events.js";
import { imageRecord, semanticsMismatch, TraceError } from "../replay/trace-format.js";
import { TraceReader } from "../replay/trace-reader.js";
import { applyHostTime } from "../replay/host-clock.js";
import { Machine, MACHINE_SEMANTICS_VERSION, type EntryState } from "../vmx/machine.js";
import { MachineTarget } from "./machine-target.js";

export interface ReplayTargetOptions {
  /** The bytes of a recorded image by name (its SHA-256 is checked against the header). */
  image: (name: string) => Uint8Array;
  snapshotEvery?: number;
  onSerial?: (byte: number) => void;
  onReport?: (message: string) => void;
}

/** Opens `path` and builds the machine at icount 0 with the trace's inputs scheduled. */
export function openReplayTarget(path: string, o: ReplayTargetOptions): MachineTarget {
  const reader = TraceReader.open(path, { salvage: true });
  let events: TraceEvent[];
  try {
    const why = semanticsMismatch(reader.header.semanticsVersion, MACHINE_SEMANTICS_VERSION);
    if (why) throw new TraceError(path, 0, why);
    events = [...reader.events()];
  } finally {
    reader.close();
  }
  const mc = reader.header.machine as Record<string, unknown>;
  if (typeof mc.guest !== "string" || !Number.isSafeInteger(mc.memBytes) || !Number.isSafeInteger(mc.loadAddress) || typeof mc.entry !== "object")
    throw new TraceError(path, 0, "header: machine description is missing or malformed");
  const rec = reader.header.images.find((i) => i.name === mc.guest);
  const bytes = o.image(mc.guest);
  const actual = imageRecord(mc.guest, bytes);
  if (!rec || rec.sha256 !== actual.sha256) throw new TraceError(path, 0, `image ${mc.guest} differs from the one recorded`);
  const rtc = events.find((e) => e.kind === EventKind.RTC_TIME);
  const epochMs = rtc ? (rtc.payload as [number])[0] : 0;
  // Guest output is passed on only the first time the timeline runs through it (reverse
  // execution replays intervals forward; their output is not printed again).
  let target: MachineTarget | undefined;
  const fresh = () => target === undefined || target.timeline.isNewHistory();
  const clock = mc.clock === "host" ? "host" : "virtual";
  const m = new Machine({
    memBytes: mc.memBytes as number, nsPerInstruction: (mc.nsPerInstruction as number) ?? 1, clock,
    epochSeconds: Math.floor(epochMs / 1000), onReport: o.onReport,
    onSerial: o.onSerial ? (b) => { if (fresh()) o.onSerial!(b); } : undefined,
  });
  m.loadBytes(mc.loadAddress as number, bytes);
  m.enter(mc.entry as EntryState);
  // Serial bytes and (--clock host) host time samples, in trace order.
  const serial = events.filter((e) => e.kind === EventKind.SERIAL_IN || e.kind === EventKind.HOST_TIME);
  const end = events.find((e) => e.kind === EventKind.END);
  const endIcount = end ? end.icount : events.length ? events[events.length - 1].icount : 0;
  target = new MachineTarget(m, {
    endIcount,
    snapshotEvery: o.snapshotEvery,
    inputs: {
      icounts: serial.map((e) => e.icount),
      deliver: (i, machine) => {
        const e = serial[i];
        if (e.kind === EventKind.HOST_TIME) applyHostTime(machine, e.payload[0]);
        else for (const b of (e.payload as [number, Uint8Array])[1]) machine.platform.com1.receive(b);
      },
    },
  });
  return target;
}
