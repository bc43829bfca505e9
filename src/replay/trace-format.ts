// The .x86rr trace file format, shared by the writer and the reader. docs/trace-format.md is the
// prose version of this file; keep both in step.
//
// File (all integers little-endian):
//   file header | header record | chunk* | [footer chunk | trailer]   (bracket: only after clean close)
//
// File header (FILE_HEADER_SIZE = 20 bytes):
//    0  u8[8] FILE_MAGIC "X86RR\0TR"
//    8  u32   format version (FORMAT_VERSION)
//   12  u32   L = length of the header record
//   16  u32   CRC-32 of the header record
//   20  u8[L] header record: msgpack map (TraceHeader)
//
// Chunk frame (FRAME_SIZE = 36 bytes), followed by `payload length` bytes of msgpack payload:
//    0  u32   CHUNK_MAGIC "XRCK" (events) or FOOTER_MAGIC "XRFT" (footer)
//    4  u32   payload length
//    8  u32   CRC-32 of the payload
//   12  u64   first icount (events chunk) / first icount of the trace (footer)
//   20  u64   last icount  (events chunk) / last event icount of the trace (footer)
//   28  u32   event count (events chunk, >= 1) / 0 (footer)
//   32  u32   CRC-32 of frame bytes 0..31
//   u64 fields are two u32 halves (low first); values never exceed 2^53 - 1.
//
// Events payload: msgpack array of `event count` events, each a 3-element array
//   [icount delta, kind, payload]: delta from the previous event of the chunk (0 for the first,
//   whose icount is the frame's first icount). Kinds and payload shapes: trace-events.ts.
//
// Trailer (TRAILER_SIZE = 16 bytes, the last bytes of a closed trace):
//    0  u64   offset of the footer chunk frame
//    8  u8[8] END_MAGIC "X86RREND"

import { createHash } from "node:crypto";
import { Packr } from "msgpackr";
import { crc32 } from "./crc32.js";

/** Bump this when the layout of the file header, header record, chunk frames, event tuples,
 *  payload shapes, footer or trailer changes (so older traces no longer read). A new event kind
 *  is additive: no bump (docs/trace-format.md, Event kinds). */
export const FORMAT_VERSION = 1;

export const FILE_MAGIC = Uint8Array.of(0x58, 0x38, 0x36, 0x52, 0x52, 0x00, 0x54, 0x52); // "X86RR\0TR"
export const END_MAGIC = Uint8Array.of(0x58, 0x38, 0x36, 0x52, 0x52, 0x45, 0x4e, 0x44); // "X86RREND"
export const CHUNK_MAGIC = 0x4b435258; // bytes "XRCK"
export const FOOTER_MAGIC = 0x54465258; // bytes "XRFT"

export const FILE_HEADER_SIZE = 20;
export const FRAME_SIZE = 36;
export const TRAILER_SIZE = 16;
/** Largest header record / chunk payload a reader accepts (a bound on allocation from a length field). */
export const MAX_HEADER_RECORD = 16 << 20;
export const MAX_CHUNK_PAYLOAD = 1 << 30;

/** What a loader guest's image is to its loader (guest-setup.ts). */
export type ImageRole = "kernel" | "initrd" | "module" | "bios";
export const IMAGE_ROLES: readonly string[] = ["kernel", "initrd", "module", "bios"];

/** A guest image the recording depends on, identified by content. */
export interface ImageRecord {
  name: string;
  size: number;
  /** Lowercase hex SHA-256 of the image bytes. */
  sha256: string;
  /** Loader guests only: the image's role and the host path it was read from when recording. */
  role?: ImageRole;
  path?: string;
}

/** The header record. `machine` and `tags` are opaque to the trace layer. */
export interface TraceHeader {
  /** Bumped by the CPU/machine when guest-visible behaviour changes; a replay needs equality. */
  semanticsVersion: number;
  /** Machine configuration: memory size, CPU model/features, devices, clock mode, command line... */
  machine: Record<string, unknown>;
  images: ImageRecord[];
  /** Creation time chosen by the caller (ISO 8601); the trace layer never reads a clock. */
  createdAt: string;
  tags: Record<string, unknown>;
}

/** Footer record: totals and index, written at clean close. Tuples keep it compact. */
export interface FooterRecord {
  events: number;
  /** Instructions the recorded run retired (>= lastIcount). */
  instructions: number;
  firstIcount: number;
  lastIcount: number;
  /** [kind, count] per kind present. */
  byKind: [number, number][];
  /** [frame offset, first icount, last icount, event count] per events chunk, in file order. */
  chunks: [number, number, number, number][];
  /** [offset of the chunk holding the event, icount] per SNAPSHOT / DIGEST event. */
  snapshots: [number, number][];
  digests: [number, number][];
  /** VM exits of the recorded run, when the recorder closed it (optional: older traces lack it). */
  exits?: RecordedExits;
}

/** VM-exit counts of a recording: [reason, count], [port, reads, writes], [MMIO region, count]; non-zero only. */
export interface RecordedExits {
  byReason: [number, number][];
  io: [number, number, number][];
  mmio: [string, number][];
}

/** Bad or damaged trace input: names the file and the byte offset where the problem is. */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: offset ${offset}: ${reason}`);
    this.name = "TraceError";
  }
}

/** The one msgpack codec of the format: plain msgpack (no records/extensions), maps as objects. */
export const codec = new Packr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  int64AsType: "number",
});

/** The image record of `bytes` (SHA-256 is a pure function of the bytes). */
export function imageRecord(name: string, bytes: Uint8Array): ImageRecord {
  return { name, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Why a trace recorded with `traceVersion` cannot be replayed by this emulator, or null. */
export function semanticsMismatch(traceVersion: number, emulatorVersion: number): string | null {
  if (traceVersion === emulatorVersion) return null;
  return (
    `trace was recorded with emulator semantics version ${traceVersion}, this x86rr implements ` +
    `version ${emulatorVersion}: guest-visible behaviour differs, replay would diverge`
  );
}

const isMap = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** The header record's shape problem, or null when `h` is a well-formed TraceHeader. */
export function headerProblem(h: unknown): string | null {
  if (!isMap(h)) return "header record is not a map";
  if (!isCount(h.semanticsVersion)) return "header: semanticsVersion is not a non-negative integer";
  if (!isMap(h.machine)) return "header: machine is not a map";
  if (typeof h.createdAt !== "string") return "header: createdAt is not a string";
  if (!isMap(h.tags)) return "header: tags is not a map";
  if (!Array.isArray(h.images)) return "header: images is not an array";
  for (const im of h.images) {
    if (!isMap(im) || typeof im.name !== "string" || !isCount(im.size) || typeof im.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(im.sha256))
      return "header: an image record is not { name, size, sha256 (64 hex digits) }";
    if (im.role !== undefined && !IMAGE_ROLES.includes(im.role as string)) return "header: an image record's role is not kernel, initrd, module or bios";
    if (im.path !== undefined && typeof im.path !== "string") return "header: an image record's path is not a string";
  }
  return null;
}

const isPairs = (x: unknown, n: number): x is number[][] =>
  Array.isArray(x) && x.every((t) => Array.isArray(t) && t.length === n && t.every(isCount));

/** The footer record's shape problem, or null (consistency with the file is the reader's job). */
export function footerProblem(f: unknown): string | null {
  if (!isMap(f)) return "footer record is not a map";
  for (const k of ["events", "instructions", "firstIcount", "lastIcount"] as const)
    if (!isCount(f[k])) return `footer: ${k} is not a non-negative integer`;
  if (!isPairs(f.byKind, 2)) return "footer: byKind is not a list of [kind, count]";
  if (!isPairs(f.chunks, 4)) return "footer: chunks is not a list of [offset, first, last, count]";
  if (!isPairs(f.snapshots, 2)) return "footer: snapshots is not a list of [offset, icount]";
  if (!isPairs(f.digests, 2)) return "footer: digests is not a list of [offset, icount]";
  if (f.exits !== undefined) {
    const e = f.exits;
    if (!isMap(e) || !isPairs(e.byReason, 2) || !isPairs(e.io, 3) || !Array.isArray(e.mmio)
      || !e.mmio.every((r) => Array.isArray(r) && r.length === 2 && typeof r[0] === "string" && isCount(r[1])))
      return "footer: exits is not { byReason: [reason, count][], io: [port, reads, writes][], mmio: [region, count][] }";
  }
  return null;
}

// ---- byte helpers ----

export function putU64(dv: DataView, at: number, v: number): void {
  dv.setUint32(at, v % 0x100000000, true);
  dv.setUint32(at + 4, Math.floor(v / 0x100000000), true);
}

/** u64 at `at`, or -1 when it is not below 2^53. */
export function getU64(dv: DataView, at: number): number {
  const hi = dv.getUint32(at + 4, true);
  return hi > 0x1fffff ? -1 : hi * 0x100000000 + dv.getUint32(at, true);
}

export function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array): boolean {
  if (a.length - aAt < b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[aAt + i] !== b[i]) return false;
  return true;
}

/** Printable form of magic bytes for error messages: "X86RR\0TR", "\x7fELF"... */
export function showBytes(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : c === 0 ? "\\0" : `\\x${c.toString(16).padStart(2, "0")}`;
  return `"${s}"`;
}

/** The fields of a chunk frame (see the layout at the top of this file). */
export interface Frame {
  magic: number;
  length: number;
  crc: number;
  firstIcount: number;
  lastIcount: number;
  count: number;
}

/** Write the FRAME_SIZE bytes of `f` at buf[at], including the frame's own CRC. */
export function writeFrame(buf: Uint8Array, at: number, f: Frame): void {
  const dv = new DataView(buf.buffer, buf.byteOffset + at, FRAME_SIZE);
  dv.setUint32(0, f.magic, true);
  dv.setUint32(4, f.length, true);
  dv.setUint32(8, f.crc, true);
  putU64(dv, 12, f.firstIcount);
  putU64(dv, 20, f.lastIcount);
  dv.setUint32(28, f.count, true);
  dv.setUint32(32, crc32(buf, at, at + 32), true);
}

/** The frame in bytes[at, at + FRAME_SIZE), or a description of what is wrong with it. */
export function parseFrame(bytes: Uint8Array, at: number): Frame | string {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, FRAME_SIZE);
  const magic = dv.getUint32(0, true);
  if (magic !== CHUNK_MAGIC && magic !== FOOTER_MAGIC)
    return `bad chunk magic ${showBytes(bytes.subarray(at, at + 4))} (expected "XRCK" or "XRFT")`;
  if (dv.getUint32(32, true) !== crc32(bytes, at, at + 32)) return "chunk frame CRC mismatch";
  const f: Frame = {
    magic,
    length: dv.getUint32(4, true),
    crc: dv.getUint32(8, true),
    firstIcount: getU64(dv, 12),
    lastIcount: getU64(dv, 20),
    count: dv.getUint32(28, true),
  };
  if (f.firstIcount < 0 || f.lastIcount < 0) return "chunk icount is not below 2^53";
  if (f.firstIcount > f.lastIcount) return `chunk first icount ${f.firstIcount} > last icount ${f.lastIcount}`;
  if (f.length > MAX_CHUNK_PAYLOAD) return `chunk payload length ${f.length} exceeds the limit ${MAX_CHUNK_PAYLOAD}`;
  if (magic === CHUNK_MAGIC ? f.count === 0 : f.count !== 0) return `chunk event count ${f.count} invalid for its kind`;
  return f;
}
