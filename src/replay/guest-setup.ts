// What a recording boots and how to build that machine again from a trace header: one function
// (machineForGuest) for record, replay, bisect/diff (bisect-cursor.ts) and gdb (replay-target.ts).
//
// Two kinds of guest. A flat guest (the bundled ones) is one image copied to a load address and an
// entry state; its header fields are guest, loadAddress, entry. A loader guest (--kernel: bzImage,
// --multiboot) is a kernel plus initrd/modules given to a loader (src/loaders), whose plan is a
// pure function of the image bytes, their file names, the RAM size and the command line; its
// header fields are loader and cmdline, and each image record carries its role and the host path
// it was read from (docs/trace-format.md, Header record). A BIOS guest (--bios) is one ROM image
// (role "bios") the CPU runs from its reset vector; header field loader "bios". Any guest may name a
// CPU model (--cpu, src/cpu/cpu-model.ts): header field cpu, absent for the default.

import { cpuModelFromSpec, CpuSpecError, modelHasApic } from "../cpu/cpu-model.js";
import { checkBiosImage } from "../loaders/bios.js";
import { loadBzImage } from "../loaders/bzimage.js";
import { loadMultiboot } from "../loaders/multiboot.js";
import { applyPlan, APIC_E820 } from "../vmx/boot.js";
import { Machine, type EntryState } from "../vmx/machine.js";
import { HOST_TIME_MODEL } from "./host-clock.js";
import type { ClockMode } from "./recorder.js";
import { imageRecord, TraceError, type ImageRecord, type ImageRole, type TraceHeader } from "./trace-format.js";

interface GuestCommon {
  name: string;
  memBytes: number;
  nsPerInstruction?: number;
  /** Default "virtual". */
  clock?: ClockMode;
  /** --cpu spec (model and feature changes); undefined = the default model. */
  cpu?: string;
}

/** A flat image at a load address (bundled guests, tests). */
export interface FlatGuest extends GuestCommon {
  loader?: "flat";
  image: Uint8Array;
  loadAddress: number;
  entry: EntryState;
}

/** An image with its role and where it came from (recorded so a replay can find it again). */
export interface GuestImage {
  role: ImageRole;
  /** File name as the loader sees it (multiboot passes module names to the guest). */
  name: string;
  /** Host path the bytes were read from. */
  path: string;
  bytes: Uint8Array;
}

/** A kernel booted through a loader: exactly one "kernel" image, then at most one "initrd" (bzimage) or any "module"s (multiboot), in order. */
export interface LoaderGuest extends GuestCommon {
  loader: "bzimage" | "multiboot";
  cmdline: string;
  images: GuestImage[];
}

/** A BIOS ROM run from the reset vector: exactly one "bios" image. */
export interface BiosGuest extends GuestCommon {
  loader: "bios";
  images: GuestImage[];
}

/** What to boot, as recorded in the trace header plus the image bytes. */
export type GuestSpec = FlatGuest | LoaderGuest | BiosGuest;

export const isLoaderGuest = (g: GuestSpec): g is LoaderGuest => g.loader === "bzimage" || g.loader === "multiboot";

export interface MachineOutputs {
  onSerial?: (byte: number) => void;
  onDebugConsole?: (byte: number) => void;
  onReport?: (message: string) => void;
}

/** The machine `guest` describes, at its first instruction. Loader errors (ImageError, PlacementError, RangeError) propagate. */
export function machineForGuest(guest: GuestSpec, epochMs: number, out: MachineOutputs): Machine {
  const cpuModel = cpuModelFromSpec(guest.cpu);
  const bios = guest.loader === "bios" ? guest.images[0] : undefined;
  if (bios) checkBiosImage(bios.name, bios.bytes);
  const m = new Machine({
    cpuModel,
    apic: modelHasApic(cpuModel),
    bios: bios?.bytes,
    memBytes: guest.memBytes,
    nsPerInstruction: guest.nsPerInstruction ?? 1,
    clock: guest.clock ?? "virtual",
    epochSeconds: Math.floor(epochMs / 1000),
    onSerial: out.onSerial,
    onDebugConsole: out.onDebugConsole,
    onReport: out.onReport,
  });
  if (guest.loader === "bios") {
    m.enterReset();
  } else if (isLoaderGuest(guest)) {
    const kernel = guest.images[0];
    const rest = guest.images.slice(1).map((i) => ({ file: i.name, bytes: i.bytes }));
    const plan = guest.loader === "bzimage"
      ? loadBzImage(kernel.name, kernel.bytes, { memBytes: guest.memBytes, cmdline: guest.cmdline, initrd: rest[0], reservedE820: APIC_E820 })
      : loadMultiboot(kernel.name, kernel.bytes, { memBytes: guest.memBytes, cmdline: guest.cmdline, modules: rest, reservedE820: APIC_E820 });
    applyPlan(m, plan);
  } else {
    m.loadBytes(guest.loadAddress, guest.image);
    m.enter(guest.entry);
  }
  return m;
}

/** The header's `machine` and `images` for `guest`. */
export function guestHeader(guest: GuestSpec): Pick<TraceHeader, "machine" | "images"> {
  const clock = guest.clock ?? "virtual";
  // hostTime names how guest time follows HOST_TIME samples (host-clock.ts), so a trace of another model is refused.
  const common = { memBytes: guest.memBytes, nsPerInstruction: guest.nsPerInstruction ?? 1, clock, ...(clock === "host" ? { hostTime: HOST_TIME_MODEL } : {}), ...cpuField(guest) };
  if (guest.loader === "bios") {
    return { machine: { guest: guest.name, loader: "bios", ...common }, images: guest.images.map((i) => ({ ...imageRecord(i.name, i.bytes), role: i.role, path: i.path })) };
  }
  if (isLoaderGuest(guest)) {
    return {
      machine: { guest: guest.name, loader: guest.loader, cmdline: guest.cmdline, ...common },
      images: guest.images.map((i) => ({ ...imageRecord(i.name, i.bytes), role: i.role, path: i.path })),
    };
  }
  return {
    machine: { guest: guest.name, memBytes: guest.memBytes, nsPerInstruction: common.nsPerInstruction, loadAddress: guest.loadAddress, entry: guest.entry, clock, ...(clock === "host" ? { hostTime: HOST_TIME_MODEL } : {}), ...cpuField(guest) },
    images: [imageRecord(guest.name, guest.image)],
  };
}

const cpuField = (g: GuestSpec) => (g.cpu !== undefined ? { cpu: g.cpu } : {});

/**
 * Finds the bytes of a recorded image: `rec` is its header record (name, and for loader guests
 * role and path). Returns the bytes and where they came from (for messages).
 */
export type ImageSource = (name: string, rec: ImageRecord) => Uint8Array | { bytes: Uint8Array; from: string };

function checked(file: string, rec: ImageRecord, source: ImageSource): Uint8Array {
  const got = source(rec.name, rec);
  const { bytes, from } = got instanceof Uint8Array ? { bytes: got, from: "" } : got;
  const actual = imageRecord(rec.name, bytes);
  if (actual.sha256 !== rec.sha256 || actual.size !== rec.size) {
    const what = rec.role ? `${rec.role} image ${rec.name}` : `image ${rec.name}`;
    throw new TraceError(file, 0, `${what} differs from the one recorded: trace has ${rec.size} bytes sha256 ${rec.sha256}, given ${actual.size} bytes sha256 ${actual.sha256}${from ? ` from ${from}` : ""}`);
  }
  return bytes;
}

/** The guest a trace header describes, its images fetched through `source` and checked against their SHA-256. */
export function guestFromHeader(h: TraceHeader, file: string, source: ImageSource): GuestSpec {
  const mc = h.machine;
  const bad = (what: string) => new TraceError(file, 0, `header: machine.${what} is missing or malformed`);
  if (typeof mc.guest !== "string") throw bad("guest");
  if (!Number.isSafeInteger(mc.memBytes)) throw bad("memBytes");
  const clock = mc.clock ?? "virtual";
  if (clock !== "virtual" && clock !== "host") throw bad("clock");
  if (clock === "host" && mc.hostTime !== HOST_TIME_MODEL)
    throw new TraceError(file, 0, mc.hostTime === undefined
      ? "this --clock host trace was recorded by an older x86rr, whose guest time jumped to each host time sample; this version slews guest time towards the samples and cannot replay it identically"
      : `header: machine.hostTime is ${JSON.stringify(mc.hostTime)}, this x86rr replays host clock traces of model "${HOST_TIME_MODEL}" only`);
  const nsPerInstruction = (mc.nsPerInstruction as number | undefined) ?? 1;
  if (!Number.isFinite(nsPerInstruction) || nsPerInstruction <= 0) throw bad("nsPerInstruction");
  if (mc.cpu !== undefined && typeof mc.cpu !== "string") throw bad("cpu");
  const cpu = mc.cpu as string | undefined;
  try {
    cpuModelFromSpec(cpu);
  } catch (e) {
    if (e instanceof CpuSpecError) throw new TraceError(file, 0, `header: machine.cpu: ${e.message}`);
    throw e;
  }
  const common = { name: mc.guest, memBytes: mc.memBytes as number, nsPerInstruction, clock: clock as ClockMode, ...(cpu !== undefined ? { cpu } : {}) };
  if (mc.loader === "bios") {
    if (h.images.length !== 1 || h.images[0].role !== "bios") throw new TraceError(file, 0, "header: a bios guest has exactly one image, of role bios");
    const rec = h.images[0];
    return { ...common, loader: "bios", images: [{ role: "bios", name: rec.name, path: rec.path ?? rec.name, bytes: checked(file, rec, source) }] };
  }
  if (mc.loader === "bzimage" || mc.loader === "multiboot") {
    if (typeof mc.cmdline !== "string") throw bad("cmdline");
    const kernels = h.images.filter((i) => i.role === "kernel");
    if (kernels.length !== 1 || h.images[0] !== kernels[0]) throw new TraceError(file, 0, "header: a loader guest's first image must be its only kernel");
    const second = mc.loader === "bzimage" ? "initrd" : "module";
    if (h.images.slice(1).some((i) => i.role !== second) || (mc.loader === "bzimage" && h.images.length > 2))
      throw new TraceError(file, 0, `header: a ${mc.loader} guest's images are a kernel and then ${mc.loader === "bzimage" ? "at most one initrd" : "modules"}`);
    const images = h.images.map((rec) => ({ role: rec.role!, name: rec.name, path: rec.path ?? rec.name, bytes: checked(file, rec, source) }));
    return { ...common, loader: mc.loader, cmdline: mc.cmdline, images };
  }
  if (mc.loader !== undefined && mc.loader !== "flat") throw bad("loader");
  if (!Number.isSafeInteger(mc.loadAddress)) throw bad("loadAddress");
  if (typeof mc.entry !== "object" || mc.entry === null) throw bad("entry");
  const rec = h.images.find((i) => i.name === mc.guest);
  if (!rec) throw new TraceError(file, 0, `header: no image record for guest ${mc.guest}`);
  return { ...common, image: checked(file, rec, source), loadAddress: mc.loadAddress as number, entry: mc.entry as EntryState };
}
