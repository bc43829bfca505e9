// Whole-machine snapshots: restore + run forward equals running straight through (design §4).
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Reg, Seg } from "../../src/cpu/constants.js";
import { StateShapeError } from "../../src/cpu/snapshot.js";
import { machineDigest } from "../../src/replay/digest.js";
import { ExitReason } from "../../src/vmx/exit-reasons.js";
import { restoreMachine, saveMachine, type MachineState } from "../../src/replay/snapshot.js";
import { SnapshotStore } from "../../src/replay/snapshot-store.js";
import { readSnapshotFile, writeSnapshotFile } from "../../src/replay/snapshot-file.js";
import { bundled, Rig, timerGuest, type GuestImage } from "./snapshot-guests.js";

/** What running `m` instructions from here produces. */
function forward(r: Rig, m: number) {
  const { end, out } = r.run(m);
  return { end, out, icount: r.m.cpu.icount, digest: machineDigest(r.m) };
}

/**
 * The core property for one guest and one (n, m): run n, snapshot, run m (reference); then a
 * fresh machine restored from the snapshot, and the same machine restored again, each run m and
 * must match the reference in digest, output, icount and how the run ended.
 */
function checkRestoreEqualsStraightRun(g: GuestImage, n: number, m: number, encodeToFile = false): void {
  const a = new Rig(g);
  a.run(n);
  const at = machineDigest(a.m);
  let snap: MachineState = saveMachine(a.m);
  expect(machineDigest(a.m)).toBe(at); // taking a snapshot changes nothing the guest can see
  if (encodeToFile) {
    const dir = mkdtempSync(join(tmpdir(), "x86rr-snapfile-"));
    try {
      writeSnapshotFile(join(dir, "s.x86snap"), snap);
      snap = readSnapshotFile(join(dir, "s.x86snap"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ref = forward(a, m);

  const b = new Rig(g, false);
  restoreMachine(b.m, snap);
  expect(machineDigest(b.m)).toBe(at);
  expect(forward(b, m)).toEqual(ref);

  restoreMachine(a.m, snap);
  expect(machineDigest(a.m)).toBe(at);
  expect(forward(a, m)).toEqual(ref);
}

const timerParams = fc.record({
  divisor: fc.integer({ min: 8, max: 120 }),
  copyDwords: fc.integer({ min: 500, max: 20_000 }),
  touchPages: fc.integer({ min: 1, max: 200 }),
  ticks: fc.integer({ min: 3, max: 12 }),
});

describe("restore + run M = run straight through (fresh machine and same machine)", () => {
  it("hello (real mode → protected mode → paging, COM1): any split of its whole run", () => {
    const g = bundled("hello");
    fc.assert(fc.property(fc.nat({ max: 1100 }), fc.nat({ max: 1200 }), (n, m) => checkRestoreEqualsStraightRun(g, n, m)), { seed: 11, numRuns: 12 });
  });

  it("bench-int (sieve, CRC-32, mul/div): random N, M", () => {
    const g = bundled("bench-int");
    fc.assert(fc.property(fc.nat({ max: 300_000 }), fc.nat({ max: 200_000 }), (n, m) => checkRestoreEqualsStraightRun(g, n, m)), { seed: 12, numRuns: 4 });
  });

  it("bench-mem (32 MiB, page walks, REP MOVSD, CR3 reloads): random N, M", () => {
    const g = bundled("bench-mem");
    fc.assert(fc.property(fc.nat({ max: 400_000 }), fc.nat({ max: 200_000 }), (n, m) => checkRestoreEqualsStraightRun(g, n, m)), { seed: 13, numRuns: 3 });
  }, 60_000);

  it("generated guest (PIT IRQ0, port 0xE9, paging, REP MOVSD, HLT, x87): random program and N, M", () => {
    fc.assert(
      fc.property(timerParams, fc.nat({ max: 150_000 }), fc.nat({ max: 150_000 }), (p, n, m) => checkRestoreEqualsStraightRun(timerGuest(p), n, m)),
      { seed: 14, numRuns: 8 },
    );
  }, 60_000);

  it("generated guest through a snapshot file (write, read back, restore)", () => {
    checkRestoreEqualsStraightRun(timerGuest({ divisor: 30, copyDwords: 5000, touchPages: 40, ticks: 6 }), 70_000, 100_000, true);
  });
});

describe("special snapshot points", () => {
  it("halted in HLT waiting for the PIT: restored machine skips the same idle time and wakes at the same icount", () => {
    const g = timerGuest({ divisor: 100, copyDwords: 1000, touchPages: 4, ticks: 5 });
    const a = new Rig(g);
    // Step to the HLT of the third round (idle time has been skipped twice by then), then
    // execute it as a debugger's single step would.
    const lin = () => (a.m.cpu.segBase[Seg.CS] + a.m.cpu.eip) >>> 0;
    while (a.m.time.idleNs === 0 || a.m.vmm.stats.byReason[ExitReason.HLT] < 2) a.run(100);
    while (a.m.mem.bytes[lin()] !== 0xf4) a.run(1);
    a.m.cpu.run(a.m.cpu.icount + 1);
    expect(a.m.cpu.halted).toBe(true);
    const idleBefore = a.m.time.idleNs;
    expect(idleBefore).toBeGreaterThan(0);
    const snap = saveMachine(a.m);
    expect(snap.cpu.exec.halted).toBe(true);
    const ref = forward(a, 50_000);
    expect(a.m.time.idleNs).toBeGreaterThan(idleBefore); // the reference run did skip idle time

    const b = new Rig(g, false);
    restoreMachine(b.m, snap);
    expect(b.m.cpu.halted).toBe(true);
    expect(forward(b, 50_000)).toEqual(ref);
  });

  it("mid-REP MOVSD (EIP at the string instruction, ECX partly consumed, timer interrupts landing inside it)", () => {
    const copy = 20_000;
    const g = timerGuest({ divisor: 10, copyDwords: copy, touchPages: 2, ticks: 8 });
    const a = new Rig(g);
    a.run(500);
    const cpu = a.m.cpu;
    const atRep = () => cpu.mem.bytes[(cpu.segBase[Seg.CS] + cpu.eip) >>> 0] === 0xf3 && cpu.mem.bytes[(cpu.segBase[Seg.CS] + cpu.eip + 1) >>> 0] === 0xa5;
    while (!atRep()) a.run(1);
    a.run(1234);
    expect(atRep()).toBe(true);
    expect(cpu.regs[Reg.ECX]).toBeGreaterThan(0);
    expect(cpu.regs[Reg.ECX]).toBeLessThan(copy);
    const ecx = cpu.regs[Reg.ECX], esi = cpu.regs[Reg.ESI];
    const snap = saveMachine(a.m);
    const ref = forward(a, 300_000);
    expect(ref.end).toEqual({ kind: "exit", code: 1 });

    const b = new Rig(g, false);
    restoreMachine(b.m, snap);
    expect([b.m.cpu.regs[Reg.ECX], b.m.cpu.regs[Reg.ESI]]).toEqual([ecx, esi]);
    expect(forward(b, 300_000)).toEqual(ref);
  });
});

describe("incremental snapshots (SnapshotStore)", () => {
  it("a chain of deltas restores each point exactly like a full snapshot taken there, into fresh and same machines", () => {
    const g = timerGuest({ divisor: 25, copyDwords: 3000, touchPages: 60, ticks: 100 });
    const a = new Rig(g);
    const store = new SnapshotStore({ fullEvery: 100 });
    const points: { id: number; digest: string; full: MachineState }[] = [];
    for (let i = 0; i < 6; i++) {
      a.run(23_000 + 7_919 * i);
      const id = store.take(a.m);
      points.push({ id, digest: machineDigest(a.m), full: saveMachine(a.m) });
    }
    expect(store.list().map((s) => s.kind)).toEqual(["full", "delta", "delta", "delta", "delta", "delta"]);
    // Deltas hold only the pages written in between.
    for (const s of store.list().slice(1)) expect(s.pages).toBeLessThan(1024 / 2);
    const end = forward(a, 400_000);
    for (const p of points) {
      const fromDelta = new Rig(g, false), fromFull = new Rig(g, false);
      store.restore(fromDelta.m, p.id);
      restoreMachine(fromFull.m, p.full);
      expect(machineDigest(fromDelta.m)).toBe(p.digest);
      expect(machineDigest(fromFull.m)).toBe(p.digest);
      const x = forward(fromDelta, 400_000);
      expect(x).toEqual(forward(fromFull, 400_000));
      expect(x.out.length).toBeGreaterThan(0);
    }
    // Back in time in the same machine, in a scrambled order.
    for (const k of [3, 0, 5, 1]) {
      store.restore(a.m, points[k].id);
      expect(machineDigest(a.m)).toBe(points[k].digest);
    }
    store.restore(a.m, points[0].id);
    expect(forward(a, 400_000 + 5 * 23_000 + 7_919 * 15).digest).toBe(end.digest);
  });

  it("taking after a restore makes a delta on the restored snapshot, and it restores exactly", () => {
    const g = timerGuest({ divisor: 25, copyDwords: 3000, touchPages: 60, ticks: 40 });
    const a = new Rig(g);
    const store = new SnapshotStore();
    a.run(30_000);
    const s0 = store.take(a.m);
    a.run(30_000);
    store.take(a.m);
    store.restore(a.m, s0);
    a.run(11_111);
    const s2 = store.take(a.m);
    expect(store.info(s2)).toMatchObject({ kind: "delta", parent: s0 });
    const want = machineDigest(a.m);
    const b = new Rig(g, false);
    store.restore(b.m, s2);
    expect(machineDigest(b.m)).toBe(want);
  });

  it("over its byte budget the store evicts intermediate snapshots; every survivor still restores exactly", () => {
    const g = timerGuest({ divisor: 25, copyDwords: 3000, touchPages: 120, ticks: 60 });
    const a = new Rig(g);
    const store = new SnapshotStore({ budgetBytes: 60_000, fullEvery: 4 });
    const digests = new Map<number, string>();
    for (let i = 0; i < 14; i++) {
      a.run(17_000);
      const id = store.take(a.m);
      digests.set(id, machineDigest(a.m));
    }
    const left = store.list();
    expect(left.length).toBeLessThan(14);
    expect(left[0].id).toBe(0); // the earliest is kept
    expect(left[left.length - 1].id).toBe(13); // and the newest
    const sum = left.reduce((t, s) => t + s.bytes, 0);
    expect(store.bytesHeld()).toBe(sum);
    for (const s of left) {
      const b = new Rig(g, false);
      store.restore(b.m, s.id);
      expect(machineDigest(b.m)).toBe(digests.get(s.id));
    }
    expect(store.latestAtOrBefore(left[1].icount + 1)).toBe(left[1].id);
    expect(() => store.restore(a.m, [...digests.keys()].find((id) => !store.has(id))!)).toThrow(/evicted/);
  });

  it("materialize(delta) gives a full state equal in effect to the chain", () => {
    const g = timerGuest({ divisor: 25, copyDwords: 3000, touchPages: 60, ticks: 40 });
    const a = new Rig(g);
    const store = new SnapshotStore();
    a.run(20_000); store.take(a.m);
    a.run(20_000); store.take(a.m);
    a.run(20_000);
    const id = store.take(a.m);
    const want = machineDigest(a.m);
    const st = store.materialize(id);
    expect(st.memory.kind).toBe("full");
    const b = new Rig(g, false);
    restoreMachine(b.m, st);
    expect(machineDigest(b.m)).toBe(want);
  });
});

describe("restore refuses a state that does not fit", () => {
  it("a snapshot of a 4 MiB machine into a 16 MiB machine → StateShapeError config.memBytes, machine untouched", () => {
    const a = new Rig(timerGuest({ divisor: 25, copyDwords: 300, touchPages: 6, ticks: 3 }));
    a.run(5000);
    const snap = saveMachine(a.m);
    const h = new Rig(bundled("hello"));
    const before = machineDigest(h.m);
    expect(() => restoreMachine(h.m, snap)).toThrow(StateShapeError);
    expect(() => restoreMachine(h.m, snap)).toThrow(/config\.memBytes/);
    expect(machineDigest(h.m)).toBe(before);
  });

  it("a state with cpu.segments.cs.attr missing → StateShapeError naming the field", () => {
    const a = new Rig(timerGuest({ divisor: 25, copyDwords: 300, touchPages: 6, ticks: 3 }));
    const snap = saveMachine(a.m);
    delete (snap.cpu.segments.cs as Partial<typeof snap.cpu.segments.cs>).attr;
    expect(() => restoreMachine(new Rig(a.g, false).m, snap)).toThrow(/cpu\.segments\.cs\.attr/);
  });
});
