// The snapshot file: a round trip, and damaged files rejected with SnapshotError naming file and offset.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/replay/crc32.js";
import { machineDigest } from "../../src/replay/digest.js";
import { restoreMachine, saveMachine } from "../../src/replay/snapshot.js";
import { decodeSnapshot, encodeSnapshot, SnapshotError, SNAPSHOT_VERSION } from "../../src/replay/snapshot-file.js";
import { codec } from "../../src/replay/trace-format.js";
import { Rig, timerGuest } from "./snapshot-guests.js";

const g = timerGuest({ divisor: 30, copyDwords: 2000, touchPages: 20, ticks: 5 });
const rig = new Rig(g);
rig.run(40_000);
const state = saveMachine(rig.m);
const file = encodeSnapshot(state);
const len = new DataView(file.buffer).getUint32(12, true);

function expectError(bytes: Uint8Array, offset: number, reason: RegExp): void {
  let err: unknown;
  try {
    decodeSnapshot(bytes, "snap.x86snap");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SnapshotError);
  const e = err as SnapshotError;
  expect(e.file).toBe("snap.x86snap");
  expect({ offset: e.offset, reason: e.reason }).toMatchObject({ offset, reason: expect.stringMatching(reason) });
  expect(e.message).toContain(`snap.x86snap: offset ${offset}:`);
}

/** The file with its body replaced and the length and CRC made consistent again. */
function reframe(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + body.length + 4);
  out.set(file.subarray(0, 16));
  const v = new DataView(out.buffer);
  v.setUint32(12, body.length, true);
  out.set(body, 16);
  v.setUint32(16 + body.length, crc32(out, 0, 16 + body.length), true);
  return out;
}

describe("snapshot file", () => {
  it("layout: magic \"X86RR\\0SN\", version, state length, msgpack state, CRC-32 of everything before it", () => {
    expect(Buffer.from(file.subarray(0, 8)).toString("latin1")).toBe("X86RR\0SN");
    expect(new DataView(file.buffer).getUint32(8, true)).toBe(SNAPSHOT_VERSION);
    expect(file.length).toBe(16 + len + 4);
    expect(new DataView(file.buffer).getUint32(16 + len, true)).toBe(crc32(file, 0, 16 + len));
  });

  it("decode(encode(s)) restores a machine to the same digest", () => {
    const b = new Rig(g, false);
    restoreMachine(b.m, decodeSnapshot(file));
    expect(machineDigest(b.m)).toBe(machineDigest(rig.m));
  });

  it("encoding is deterministic: the same state gives the same bytes", () => {
    expect(Buffer.from(encodeSnapshot(saveMachine(rig.m))).equals(Buffer.from(file))).toBe(true);
  });

  it("a flipped bit anywhere in the state → CRC-32 mismatch at the CRC's offset", () => {
    for (const at of [16, 16 + (len >> 1), 16 + len - 1]) {
      const bad = file.slice();
      bad[at] ^= 0x10;
      expectError(bad, 16 + len, /CRC-32 mismatch/);
    }
  });

  it("wrong magic → offset of the first differing byte", () => {
    const bad = file.slice();
    bad[5] = 0x41;
    expectError(bad, 5, /bad magic/);
  });

  it("another format version → offset 8", () => {
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(8, SNAPSHOT_VERSION + 1, true);
    expectError(bad, 8, new RegExp(`version ${SNAPSHOT_VERSION + 1}`));
  });

  it("truncated file → offset 12 (the length field that runs past the end); under 20 bytes → its length", () => {
    expectError(file.subarray(0, file.length - 1), 12, /runs past the end/);
    expectError(file.subarray(0, 11), 11, /truncated/);
  });

  it("bytes after the CRC → their offset", () => {
    const bad = new Uint8Array(file.length + 3);
    bad.set(file);
    expectError(bad, file.length, /unexpected bytes after the CRC/);
  });

  it("a valid frame around bytes that are not msgpack → offset 16", () => {
    expectError(reframe(Uint8Array.of(0xc1, 0xc1, 0xc1)), 16, /not valid msgpack/);
  });

  it("a valid frame around a state missing cpu.regs.eax → offset 16, naming the field", () => {
    const s = structuredClone(state) as unknown as { cpu: { regs: Record<string, unknown> } };
    delete s.cpu.regs.eax;
    expectError(reframe(codec.encode(s) as Uint8Array), 16, /cpu\.regs\.eax/);
  });

  it("a valid frame around memory data that does not inflate → offset 16, memory.data", () => {
    const s = { ...state, memory: { ...state.memory, data: Uint8Array.of(0xff, 0xff, 0xff) } };
    expectError(reframe(codec.encode(s) as Uint8Array), 16, /memory\.data/);
  });

  it("a delta image cannot be written to a file", () => {
    expect(() => encodeSnapshot({ ...state, memory: { ...state.memory, kind: "delta" } })).toThrow(/full memory image/);
  });
});
