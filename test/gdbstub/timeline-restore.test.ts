// Reverse-stepi's restore path: the timeline's SnapshotStore keeps the RAM of the snapshot it last
// restored or took (shadowRam) and bounds its delta chains (chainPagesRatio). Oracle: the same
// guest run straight from its entry to the same icount, compared as whole machine states.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { saveMachine } from "../../src/replay/snapshot.js";
import { SnapshotStore } from "../../src/replay/snapshot-store.js";
import { codec } from "../../src/replay/trace-format.js";
import { Machine } from "../../src/vmx/machine.js";

function guest(name: string): Machine {
  const g = findGuest(name)!;
  const m = new Machine({ memBytes: g.memBytes });
  m.loadBytes(g.loadAddress, readGuestImage(g));
  m.enter(g.entry);
  return m;
}

/** Digest of everything a snapshot holds: registers, devices, clock, all of RAM. */
function digest(m: Machine): string {
  return createHash("sha256").update(codec.encode(saveMachine(m)) as Uint8Array).digest("hex");
}

function straightTo(name: string, icount: number): string {
  const m = guest(name);
  while (m.cpu.icount < icount) m.run(icount - m.cpu.icount);
  return digest(m);
}

describe("timeline restore (shadow RAM, bounded chains)", () => {
  it("bench-mem (writes thousands of pages per interval), snapshots every 20,000: reverse-stepi ×6 from 100,003 across the 100,000 boundary → each state equals a straight run to that icount", () => {
    const t = new MachineTarget(guest("bench-mem"), { snapshotEvery: 20_000 });
    t.seek(100_003);
    for (let k = 100_002; k >= 99_997; k--) {
      t.reverseStep();
      expect(t.machine.cpu.icount).toBe(k);
      expect(digest(t.machine), `icount ${k}`).toBe(straightTo("bench-mem", k));
    }
  });

  it("shadowRam store: take, run on (pages written), restore the same snapshot twice and an older one → RAM and state equal to what was taken", () => {
    const m = guest("bench-mem");
    const store = new SnapshotStore({ shadowRam: true });
    m.run(30_000);
    const a = store.take(m);
    const atA = digest(m);
    m.run(40_000);
    const b = store.take(m);
    const atB = digest(m);
    m.run(25_000);
    store.restore(m, b); // the head: shadow copy
    expect(digest(m)).toBe(atB);
    m.run(10_000);
    store.restore(m, b);
    expect(digest(m)).toBe(atB);
    store.restore(m, a); // not the head: chain restore, then the shadow follows
    expect(digest(m)).toBe(atA);
    m.run(5_000);
    store.restore(m, a);
    expect(digest(m)).toBe(atA);
    m.run(40_000);
    expect(digest(m)).toBe(atB); // the guest is deterministic: from a, 40,000 instructions reach b again
  });

  it("chainPagesRatio 2 on bench-mem: no snapshot's chain holds more than 3× its full image's pages; without it, chains of deltas as big as the full image", () => {
    const m = guest("bench-mem"), bounded = new SnapshotStore({ chainPagesRatio: 2 }), free = new SnapshotStore();
    const twin = guest("bench-mem");
    for (let i = 0; i < 12; i++) {
      bounded.take(m); free.take(twin);
      m.run(50_000); twin.run(50_000);
    }
    const chainPages = (s: SnapshotStore, id: number): [number, number] => {
      let total = 0;
      let info = s.info(id);
      for (; info.parent >= 0; info = s.info(info.parent)) total += info.pages;
      return [total + info.pages, info.pages];
    };
    for (const x of bounded.list()) {
      const [total, root] = chainPages(bounded, x.id);
      expect(total, `snapshot ${x.id}`).toBeLessThanOrEqual(3 * root);
    }
    const worstFree = Math.max(...free.list().map((x) => { const [t, r] = chainPages(free, x.id); return t / r; }));
    expect(worstFree).toBeGreaterThan(3);
  });
});
