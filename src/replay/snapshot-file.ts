// The snapshot file (.x86snap): one MachineState with a full memory image.
//
// Layout (integers little-endian):
//    0  u8[8] SNAPSHOT_MAGIC "X86RR\0SN"
//    8  u32   SNAPSHOT_VERSION
//   12  u32   L = length of the state record
//   16  u8[L] state record: msgpack map (MachineState, snapshot.ts), plain msgpack as in traces
//   16+L u32  CRC-32 of bytes 0 .. 16+L-1
// Nothing follows the CRC.

import { readFileSync, writeFileSync } from "node:fs";
import { StateShapeError } from "../cpu/snapshot.js";
import { crc32 } from "./crc32.js";
import { checkMachineState, unpackPages, type MachineState } from "./snapshot.js";
import { codec } from "./trace-format.js";

/** Bump this when the file layout or any field of MachineState (or of a device's saved state) changes meaning. */
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_MAGIC = Uint8Array.of(0x58, 0x38, 0x36, 0x52, 0x52, 0x00, 0x53, 0x4e); // "X86RR\0SN"
const HEADER = 16;
const MIN_FILE = HEADER + 4;

/** Bad snapshot input: names the file and the byte offset where the problem is. */
export class SnapshotError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: offset ${offset}: ${reason}`);
    this.name = "SnapshotError";
  }
}

/** The file bytes of a full-image state. */
export function encodeSnapshot(state: MachineState): Uint8Array {
  if (state.memory.kind !== "full") throw new RangeError("a snapshot file holds a full memory image: materialize the delta chain first");
  const body = codec.encode(state) as Uint8Array;
  const out = new Uint8Array(HEADER + body.length + 4);
  const v = new DataView(out.buffer);
  out.set(SNAPSHOT_MAGIC, 0);
  v.setUint32(8, SNAPSHOT_VERSION, true);
  v.setUint32(12, body.length, true);
  out.set(body, HEADER);
  v.setUint32(HEADER + body.length, crc32(out, 0, HEADER + body.length), true);
  return out;
}

/** Parses and checks snapshot file bytes; every problem is a SnapshotError naming `file` and an offset. */
export function decodeSnapshot(bytes: Uint8Array, file = "<snapshot>"): MachineState {
  if (bytes.length < MIN_FILE) throw new SnapshotError(file, bytes.length, `truncated: ${bytes.length} bytes, a snapshot file has at least ${MIN_FILE}`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC[i]) throw new SnapshotError(file, i, "bad magic: not an x86rr snapshot file");
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) throw new SnapshotError(file, 8, `snapshot format version ${version}, this x86rr reads version ${SNAPSHOT_VERSION}`);
  const len = v.getUint32(12, true);
  if (HEADER + len + 4 > bytes.length) throw new SnapshotError(file, 12, `state length ${len} runs past the end of the file (${bytes.length} bytes): truncated`);
  if (HEADER + len + 4 < bytes.length) throw new SnapshotError(file, HEADER + len + 4, `${bytes.length - HEADER - len - 4} unexpected bytes after the CRC`);
  const stored = v.getUint32(HEADER + len, true);
  const actual = crc32(bytes, 0, HEADER + len);
  if (stored !== actual)
    throw new SnapshotError(file, HEADER + len, `CRC-32 mismatch: stored 0x${stored.toString(16).padStart(8, "0")}, computed 0x${actual.toString(16).padStart(8, "0")}`);
  let state: unknown;
  try {
    state = codec.decode(bytes.subarray(HEADER, HEADER + len));
  } catch (e) {
    throw new SnapshotError(file, HEADER, `state record is not valid msgpack: ${(e as Error).message}`);
  }
  try {
    checkMachineState(state, "full");
    unpackPages(state.memory);
  } catch (e) {
    if (e instanceof StateShapeError) throw new SnapshotError(file, HEADER, e.message);
    throw e;
  }
  return state;
}

export function writeSnapshotFile(path: string, state: MachineState): void {
  writeFileSync(path, encodeSnapshot(state));
}

export function readSnapshotFile(path: string): MachineState {
  return decodeSnapshot(new Uint8Array(readFileSync(path)), path);
}
