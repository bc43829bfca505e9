// A recorded trace as a gdb target: the machine the header describes, its recorded inputs handed
// over at their icounts (timeline.ts), and the trace's end as the end of forward execution.

import { EventKind, type TraceEvent } from "../replay/trace-events.js";
import { guestFromHeader, machineForGuest, type ImageSource } from "../replay/guest-setup.js";
import { semanticsMismatch, TraceError } from "../replay/trace-format.js";
import { dropTranslationCaches } from "../cpu/snapshot.js";
import { TraceReader } from "../replay/trace-reader.js";
import { applyHostTime } from "../replay/host-clock.js";
import { MACHINE_SEMANTICS_VERSION } from "../vmx/machine.js";
import { MachineTarget } from "./machine-target.js";

export interface ReplayTargetOptions {
  /** The bytes of a recorded image (its SHA-256 is checked against the header). */
  image: ImageSource;
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
  const guest = guestFromHeader(reader.header, path, o.image);
  const rtc = events.find((e) => e.kind === EventKind.RTC_TIME);
  const epochMs = rtc ? (rtc.payload as [number])[0] : 0;
  // Guest output is passed on only the first time the timeline runs through it (reverse
  // execution replays intervals forward; their output is not printed again).
  let target: MachineTarget | undefined;
  const fresh = () => target === undefined || target.timeline.isNewHistory();
  const m = machineForGuest(guest, epochMs, {
    onReport: o.onReport,
    onSerial: o.onSerial ? (b) => { if (fresh()) o.onSerial!(b); } : undefined,
  });
  // Serial bytes, (--clock host) host time samples and digest points, in trace order. The
  // recorder emptied the TLB where it took each digest (snapshot.ts dropTranslationCaches), so the
  // replay does too: a guest that relies on a stale TLB entry (Linux does, for spurious faults)
  // then runs exactly as recorded.
  const serial = events.filter((e) => e.kind === EventKind.SERIAL_IN || e.kind === EventKind.HOST_TIME || e.kind === EventKind.DIGEST);
  // Timeline snapshots also empty the TLB: take them only where the recording did (digest points).
  const firstDigest = events.find((e) => e.kind === EventKind.DIGEST);
  const snapshotEvery = o.snapshotEvery ?? (firstDigest ? firstDigest.icount : undefined);
  const end = events.find((e) => e.kind === EventKind.END);
  const endIcount = end ? end.icount : events.length ? events[events.length - 1].icount : 0;
  target = new MachineTarget(m, {
    endIcount,
    snapshotEvery,
    inputs: {
      icounts: serial.map((e) => e.icount),
      deliver: (i, machine) => {
        const e = serial[i];
        if (e.kind === EventKind.HOST_TIME) applyHostTime(machine, e.payload[0]);
        else if (e.kind === EventKind.DIGEST) dropTranslationCaches(machine.cpu);
        else for (const b of (e.payload as [number, Uint8Array])[1]) machine.platform.com1.receive(b);
      },
    },
  });
  return target;
}
