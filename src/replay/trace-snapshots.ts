// Replay snapshots of a trace, kept beside it in a side file (`TRACE.snapshots`), written by
// `x86rr replay TRACE --snapshot-every N` and listed by `x86rr info`.
//
// Why a side file and not SNAPSHOT events in the trace: a trace is append-only and its events are
// in icount order, so snapshots taken by a later replay cannot be inserted without rewriting it,
// and a recording must stay byte-for-byte what the recorder wrote. The side file is bound to its
// trace by the trace's size and SHA-256; a stale or foreign one is refused.
//
// Layout (integers little-endian):
//    0  u8[8] STORE_MAGIC "X86RR\0SS"
//    8  u32   STORE_VERSION
//   12  u32   L = length of the header record
//   16  u8[L] header record: msgpack map { traceSize: uint, traceSha256: str, every: uint }
//   then, per snapshot, in ascending icount:
//    0  u32   icount low half     4  u32 icount high half
//    8  u32   S = length of the snapshot
//   12  u8[S] a snapshot file image (snapshot-file.ts: magic, version, state, CRC-32)
// Each snapshot is a point where the events at its icount were not yet handled (replayRun `from`).

import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { decodeSnapshot, encodeSnapshot } from "./snapshot-file.js";
import type { MachineState } from "./snapshot.js";
import { codec, TraceError } from "./trace-format.js";

export const STORE_MAGIC = Uint8Array.of(0x58, 0x38, 0x36, 0x52, 0x52, 0x00, 0x53, 0x53); // "X86RR\0SS"
export const STORE_VERSION = 1;

export interface StoredSnapshot {
  icount: number;
  /** File offset of the snapshot image. */
  offset: number;
  size: number;
}

export function snapshotStorePath(tracePath: string): string {
  return `${tracePath}.snapshots`;
}

function traceIdentity(tracePath: string): { traceSize: number; traceSha256: string } {
  const bytes = readFileSync(tracePath);
  return { traceSize: bytes.length, traceSha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Writes the snapshots (ascending icount) of the trace at `tracePath` into its side file, replacing any. */
export function writeSnapshotStore(tracePath: string, every: number, snapshots: MachineState[]): string {
  const path = snapshotStorePath(tracePath);
  const head = codec.encode({ ...traceIdentity(tracePath), every }) as Uint8Array;
  const parts: Uint8Array[] = [];
  const top = new Uint8Array(16 + head.length);
  const tv = new DataView(top.buffer);
  top.set(STORE_MAGIC, 0);
  tv.setUint32(8, STORE_VERSION, true);
  tv.setUint32(12, head.length, true);
  top.set(head, 16);
  parts.push(top);
  for (const s of snapshots) {
    const img = encodeSnapshot(s);
    const frame = new Uint8Array(12);
    const v = new DataView(frame.buffer);
    v.setUint32(0, s.icount >>> 0, true);
    v.setUint32(4, Math.floor(s.icount / 2 ** 32), true);
    v.setUint32(8, img.length, true);
    parts.push(frame, img);
  }
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, path);
  return path;
}

export interface SnapshotStoreFile {
  path: string;
  every: number;
  snapshots: StoredSnapshot[];
  bytes: Uint8Array;
}

/**
 * Reads the side file of the trace at `tracePath`; null when there is none. A side file that is
 * damaged or belongs to another trace (or to this trace before it changed) is a TraceError.
 */
export function readSnapshotStore(tracePath: string): SnapshotStoreFile | null {
  const path = snapshotStorePath(tracePath);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const bad = (offset: number, why: string) => new TraceError(path, offset, why);
  if (bytes.length < 16 || STORE_MAGIC.some((b, i) => bytes[i] !== b)) throw bad(0, "not an x86rr snapshot side file");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(8, true) !== STORE_VERSION) throw bad(8, `side file version ${v.getUint32(8, true)}, this x86rr reads version ${STORE_VERSION}`);
  const len = v.getUint32(12, true);
  if (16 + len > bytes.length) throw bad(12, "header record runs past the end of the file");
  let head: { traceSize?: unknown; traceSha256?: unknown; every?: unknown };
  try {
    head = codec.decode(bytes.subarray(16, 16 + len)) as typeof head;
  } catch {
    throw bad(16, "header record is not valid msgpack");
  }
  const id = traceIdentity(tracePath);
  if (head.traceSize !== id.traceSize || head.traceSha256 !== id.traceSha256)
    throw bad(16, `these snapshots belong to another trace (or an older version of ${tracePath}): delete the file or replay with --snapshot-every again`);
  const snapshots: StoredSnapshot[] = [];
  let at = 16 + len;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw bad(at, "truncated snapshot frame");
    const icount = v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;
    const size = v.getUint32(at + 8, true);
    if (at + 12 + size > bytes.length) throw bad(at, `snapshot at icount ${icount} runs past the end of the file`);
    snapshots.push({ icount, offset: at + 12, size });
    at += 12 + size;
  }
  return { path, every: Number(head.every) || 0, snapshots, bytes };
}

/** The stored snapshot with the greatest icount ≤ `icount`, decoded; null when none. */
export function loadSnapshotAtOrBefore(store: SnapshotStoreFile, icount: number): MachineState | null {
  let best: StoredSnapshot | undefined;
  for (const s of store.snapshots) if (s.icount <= icount && (!best || s.icount > best.icount)) best = s;
  if (!best) return null;
  return decodeSnapshot(store.bytes.subarray(best.offset, best.offset + best.size), `${store.path} @${best.offset}`);
}
