// Whole-machine snapshots (design §4): every piece of state as named fields — CPU and x87
// (cpu/snapshot.ts), the physical map's A20 gate, guest time (idle ns), the Clock's rate, the
// platform devices (each device's save()), the VMM's shutdown reason and exit counts — plus RAM
// as a memory image.
//
// Memory images: RAM pages of 4 KiB, listed by page number, their bytes concatenated in list
// order and compressed with raw deflate (node:zlib, fixed options: the same input gives the same
// bytes). A "full" image lists every non-zero page (unlisted pages are zero); a "delta" image
// lists the pages written since its parent snapshot (unlisted pages are as in the parent), with
// the ones that are now all zero in `zeroPages` instead of the data.
//
// A snapshot point is a point where the TLB and the decode cache are empty (cpu/snapshot.ts
// dropTranslationCaches), on the machine that takes it as on one restored from it.
//
// Restore order matters: RAM, then the CPU (icount: devices read the time through it), then
// guest time (idleNs: timer deadlines in icount derive from it), then the devices (which re-arm
// their timers), then the Clock's deadline table is recomputed.

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { checkCpuState, restoreCpu, saveCpu, StateShapeError, dropTranslationCaches, type CpuState } from "../cpu/snapshot.js";
import type { HostMemory } from "../cpu/memory.js";
import type { DeviceState } from "../devices/device.js";
import type { GuestTimeState } from "../vmx/guest-time.js";
import type { Machine } from "../vmx/machine.js";
import { DirtyLog } from "./dirty-pages.js";

export const PAGE_SIZE = 4096;

export interface MemoryImage {
  kind: "full" | "delta";
  /** RAM size in pages (the image belongs to a machine of exactly this size). */
  pageCount: number;
  /** Page numbers whose bytes are in `data`, ascending, as u32 little-endian. */
  pages: Uint8Array;
  /** Page numbers that are all zero bytes (delta images only), ascending, u32 little-endian. */
  zeroPages: Uint8Array;
  /** The listed pages' bytes, concatenated in list order, raw-deflate compressed. */
  data: Uint8Array;
}

export interface VmmState {
  shutdownReason: string;
  /** The guest entered ACPI S5 (absent in snapshots from before it was saved: false). */
  poweredOff?: boolean;
  /** Non-zero VM-exit counts: [reason, count], [port, count], [region, count]. */
  exitsByReason: [number, number][];
  ioReads: [number, number][];
  ioWrites: [number, number][];
  mmio: [string, number][];
}

export interface MachineState {
  config: { memBytes: number; nsPerInstruction: number };
  /** Guest instruction count at the snapshot (= cpu.exec.icount; for indexes and humans). */
  icount: number;
  cpu: CpuState;
  physMap: { a20Mask: number; romStart: number; romEnd: number };
  time: GuestTimeState;
  clock: { nsPerInstruction: number };
  devices: DeviceState;
  vmm: VmmState;
  memory: MemoryImage;
}

/** Compression level of memory images (zlib 1-9): 1 is several times faster than 6 and RAM images barely differ. */
export const DEFLATE_LEVEL = 1;

// ---- memory images ----

function pageIsZero(words: Int32Array, page: number): boolean {
  const end = (page + 1) << 10;
  for (let i = page << 10; i < end; i++) if (words[i] !== 0) return false;
  return true;
}

function u32List(list: number[]): Uint8Array {
  const out = new Uint8Array(list.length * 4);
  const v = new DataView(out.buffer);
  list.forEach((p, i) => v.setUint32(i * 4, p, true));
  return out;
}

/** The page numbers of a u32 little-endian list. */
export function pageList(bytes: Uint8Array): Uint32Array {
  const n = bytes.length >>> 2;
  const out = new Uint32Array(n);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = v.getUint32(i * 4, true);
  return out;
}

function pack(mem: HostMemory, pages: number[], level: number): Uint8Array {
  const raw = Buffer.allocUnsafe(pages.length * PAGE_SIZE);
  pages.forEach((p, i) => raw.set(mem.bytes.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), i * PAGE_SIZE));
  return new Uint8Array(deflateRawSync(raw, { level }));
}

/** A full image of `mem`: every non-zero page. */
export function captureFull(mem: HostMemory, level = DEFLATE_LEVEL): MemoryImage {
  const words = new Int32Array(mem.bytes.buffer, mem.bytes.byteOffset, mem.size >>> 2);
  const count = mem.size / PAGE_SIZE;
  const pages: number[] = [];
  for (let p = 0; p < count; p++) if (!pageIsZero(words, p)) pages.push(p);
  return { kind: "full", pageCount: count, pages: u32List(pages), zeroPages: new Uint8Array(0), data: pack(mem, pages, level) };
}

/** A delta image of the pages marked in `written` (one byte per page). */
export function captureDelta(mem: HostMemory, written: Uint8Array, level = DEFLATE_LEVEL): MemoryImage {
  const words = new Int32Array(mem.bytes.buffer, mem.bytes.byteOffset, mem.size >>> 2);
  const count = mem.size / PAGE_SIZE;
  const pages: number[] = [], zero: number[] = [];
  for (let p = 0; p < count; p++) {
    if (written[p] === 0) continue;
    if (pageIsZero(words, p)) zero.push(p); else pages.push(p);
  }
  return { kind: "delta", pageCount: count, pages: u32List(pages), zeroPages: u32List(zero), data: pack(mem, pages, level) };
}

/** The uncompressed bytes of an image's listed pages; throws StateShapeError if they do not match the list. */
export function unpackPages(img: MemoryImage): Buffer {
  let raw: Buffer;
  try {
    raw = inflateRawSync(img.data);
  } catch (e) {
    throw new StateShapeError("memory.data", `raw deflate stream does not inflate: ${(e as Error).message}`);
  }
  const want = (img.pages.length >>> 2) * PAGE_SIZE;
  if (raw.length !== want) throw new StateShapeError("memory.data", `inflates to ${raw.length} bytes, the page list needs ${want}`);
  return raw;
}

/** Writes an image into RAM: a full image replaces all of RAM, a delta only its pages. */
export function applyImage(mem: HostMemory, img: MemoryImage): void {
  const raw = unpackPages(img);
  if (img.kind === "full") mem.bytes.fill(0);
  const pages = pageList(img.pages);
  for (let i = 0; i < pages.length; i++) mem.bytes.set(raw.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), pages[i] * PAGE_SIZE);
  for (const p of pageList(img.zeroPages)) mem.bytes.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
}

/**
 * `child` (a delta taken after `parent`) folded onto `parent`: the image of the child's point
 * relative to the parent's parent (a full image if `parent` is full).
 */
export function mergeImages(parent: MemoryImage, child: MemoryImage, level = DEFLATE_LEVEL): MemoryImage {
  const content = new Map<number, Uint8Array | null>(); // null: all zero
  const load = (img: MemoryImage) => {
    const raw = unpackPages(img);
    pageList(img.pages).forEach((p, i) => content.set(p, raw.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)));
    for (const p of pageList(img.zeroPages)) content.set(p, null);
  };
  load(parent);
  load(child);
  const order = [...content.keys()].sort((a, b) => a - b);
  const pages = order.filter((p) => content.get(p) !== null);
  const zero = parent.kind === "full" ? [] : order.filter((p) => content.get(p) === null);
  const raw = Buffer.allocUnsafe(pages.length * PAGE_SIZE);
  pages.forEach((p, i) => raw.set(content.get(p)!, i * PAGE_SIZE));
  return {
    kind: parent.kind, pageCount: parent.pageCount, pages: u32List(pages), zeroPages: u32List(zero),
    data: new Uint8Array(deflateRawSync(raw, { level })),
  };
}

// ---- machine state ----

/** Everything but RAM, with the translation caches dropped (a snapshot point). */
export function captureMachine(m: Machine, memory: MemoryImage): MachineState {
  dropTranslationCaches(m.cpu);
  const st = m.vmm.stats;
  const nonZero = (a: Float64Array): [number, number][] => {
    const out: [number, number][] = [];
    for (let i = 0; i < a.length; i++) if (a[i] !== 0) out.push([i, a[i]]);
    return out;
  };
  return {
    config: { memBytes: m.mem.size, nsPerInstruction: m.time.nsPerInstruction },
    icount: m.cpu.icount,
    cpu: saveCpu(m.cpu),
    physMap: { a20Mask: m.cpu.phys.a20Mask, romStart: m.cpu.phys.romStart, romEnd: m.cpu.phys.romEnd },
    time: m.time.save(),
    clock: m.clock.save(),
    devices: m.platform.save(),
    vmm: {
      shutdownReason: m.vmm.shutdownReason,
      poweredOff: m.poweredOff,
      exitsByReason: nonZero(st.byReason), ioReads: nonZero(st.ioReads), ioWrites: nonZero(st.ioWrites),
      mmio: [...st.mmio],
    },
    memory,
  };
}

/** A full snapshot of the machine (standalone: no dirty tracking involved). */
export function saveMachine(m: Machine, level = DEFLATE_LEVEL): MachineState {
  return captureMachine(m, captureFull(m.mem, level));
}

/**
 * Restores `chain` into `m`: chain[0] has a full memory image, each later one a delta on the one
 * before it; every other field comes from the last. All of it is checked before the machine is
 * touched (StateShapeError on a malformed state), except the memory data, whose inflation
 * errors surface during the restore.
 */
export function restoreMachine(m: Machine, chain: MachineState | MachineState[]): void {
  const states = Array.isArray(chain) ? chain : [chain];
  if (states.length === 0) throw new RangeError("restoreMachine: empty snapshot chain");
  states.forEach((s, i) => checkMachineState(s, i === 0 ? "full" : "delta"));
  const s = states[states.length - 1];
  if (s.config.memBytes !== m.mem.size)
    throw new StateShapeError("config.memBytes", `snapshot has ${s.config.memBytes} bytes of RAM, the machine ${m.mem.size}`);
  if (s.config.nsPerInstruction !== m.time.nsPerInstruction)
    throw new StateShapeError("config.nsPerInstruction", `snapshot runs at ${s.config.nsPerInstruction} ns/instruction, the machine at ${m.time.nsPerInstruction}`);
  m.clock.restore(s.clock);
  for (const st of states) applyImage(m.mem, st.memory);
  restoreCpu(m.cpu, s.cpu);
  m.cpu.phys.a20Mask = s.physMap.a20Mask;
  m.cpu.phys.romStart = s.physMap.romStart;
  m.cpu.phys.romEnd = s.physMap.romEnd;
  m.time.restore(s.time);
  m.platform.restore(s.devices);
  m.remapGuestPhysical(); // the EPT follows the restored PAM registers
  m.clock.retime();
  m.vmm.shutdownReason = s.vmm.shutdownReason;
  // Sticky once set (a powered-off machine stays off): a restore to before the power-off must clear it.
  m.poweredOff = s.vmm.poweredOff ?? false;
  const st = m.vmm.stats;
  st.byReason.fill(0); st.ioReads.fill(0); st.ioWrites.fill(0); st.mmio.clear();
  for (const [r, c] of s.vmm.exitsByReason) st.byReason[r] = c;
  for (const [p, c] of s.vmm.ioReads) st.ioReads[p] = c;
  for (const [p, c] of s.vmm.ioWrites) st.ioWrites[p] = c;
  for (const [n, c] of s.vmm.mmio) st.mmio.set(n, c);
  // RAM changed behind every dirty-page consumer's back; the TLB was flushed by restoreCpu.
  DirtyLog.of(m.mem).markAll();
  m.mem.dirty.fill(0);
}

// ---- shape checks ----

function fail(field: string, reason: string): never {
  throw new StateShapeError(field, reason);
}
function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);
}
function num(o: Record<string, unknown>, k: string, path: string, integer = true): void {
  const v = o[k];
  if (typeof v !== "number" || !(integer ? Number.isInteger(v) : Number.isFinite(v))) fail(`${path}.${k}`, "expected a number");
}
function pairs(v: unknown, field: string, keyType: "number" | "string", max: number): void {
  if (!Array.isArray(v)) fail(field, "expected a list of [key, count]");
  for (const e of v) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== keyType || typeof e[1] !== "number") fail(field, "expected [key, count] pairs");
    if (keyType === "number" && !(Number.isInteger(e[0]) && e[0] >= 0 && e[0] < max)) fail(field, `key ${e[0]} out of range`);
  }
}

/** Throws StateShapeError naming the first field of `s` that is missing or malformed. */
export function checkMachineState(s: unknown, memoryKind?: "full" | "delta"): asserts s is MachineState {
  if (!isMap(s)) fail("state", "expected a map");
  if (!isMap(s.config)) fail("config", "expected a map");
  num(s.config, "memBytes", "config"); num(s.config, "nsPerInstruction", "config", false);
  num(s, "icount", "state");
  checkCpuState(s.cpu, "cpu");
  if (!isMap(s.physMap)) fail("physMap", "expected a map");
  for (const k of ["a20Mask", "romStart", "romEnd"]) num(s.physMap, k, "physMap");
  if (!isMap(s.time)) fail("time", "expected a map");
  num(s.time, "idleNs", "time", false);
  if (s.time.host !== undefined && (!Array.isArray(s.time.host) || s.time.host.length !== 6 || !s.time.host.every((v) => typeof v === "number" && Number.isFinite(v))))
    fail("time.host", "expected 6 numbers");
  if (!isMap(s.clock)) fail("clock", "expected a map");
  num(s.clock, "nsPerInstruction", "clock", false);
  if (!isMap(s.devices)) fail("devices", "expected a map");
  const v = s.vmm;
  if (!isMap(v)) fail("vmm", "expected a map");
  if (typeof v.shutdownReason !== "string") fail("vmm.shutdownReason", "expected a string");
  if (v.poweredOff !== undefined && typeof v.poweredOff !== "boolean") fail("vmm.poweredOff", "expected a boolean");
  pairs(v.exitsByReason, "vmm.exitsByReason", "number", 80);
  pairs(v.ioReads, "vmm.ioReads", "number", 0x10000);
  pairs(v.ioWrites, "vmm.ioWrites", "number", 0x10000);
  pairs(v.mmio, "vmm.mmio", "string", 0);
  const img = s.memory;
  if (!isMap(img)) fail("memory", "expected a map");
  if (img.kind !== "full" && img.kind !== "delta") fail("memory.kind", `expected "full" or "delta", got ${String(img.kind)}`);
  if (memoryKind && img.kind !== memoryKind) fail("memory.kind", `expected a ${memoryKind} image here, got ${img.kind}`);
  num(img, "pageCount", "memory");
  if ((img.pageCount as number) * PAGE_SIZE !== s.config.memBytes) fail("memory.pageCount", "does not match config.memBytes");
  for (const k of ["pages", "zeroPages", "data"]) if (!(img[k] instanceof Uint8Array)) fail(`memory.${k}`, "expected bytes");
  for (const k of ["pages", "zeroPages"]) {
    const list = img[k] as Uint8Array;
    if (list.length % 4 !== 0) fail(`memory.${k}`, "length is not a multiple of 4");
    let prev = -1;
    for (const p of pageList(list)) {
      if (p <= prev || p >= (img.pageCount as number)) fail(`memory.${k}`, `page ${p} out of order or beyond RAM`);
      prev = p;
    }
  }
}
