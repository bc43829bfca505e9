// The TLB's invalidation contracts that the paging instructions rely on (mmu.ts Tlb).

import { describe, expect, it } from "vitest";
import { Tlb, TlbBit } from "../../../src/cpu/mmu.js";

const live = (t: Tlb) => t.flags.reduce((n, f) => n + (f !== 0 ? 1 : 0), 0);

describe("Tlb", () => {
  it("more global entries than the list holds (9000): keep-global flush, then a full flush (CR4.PGE toggle) leaves nothing", () => {
    const t = new Tlb();
    for (let v = 0; v < 9000; v++) t.insert(v, 0, TlbBit.RS | TlbBit.G);
    t.insert(20000, 0, TlbBit.RS);
    t.flush(true);
    expect(live(t)).toBe(9000);
    t.flush(false);
    expect(live(t)).toBe(0);
  });
  it("invalidate(vpn) of a page inside a large (PSE) page region drops every cached 4 KiB piece of that 4 MiB region, nothing else", () => {
    const t = new Tlb();
    for (let v = 0x400; v < 0x800; v += 0x100) t.insert(v, 0, TlbBit.RS | TlbBit.G);
    t.large[1] = 1;
    t.insert(0x800, 0, TlbBit.RS);
    t.invalidate(0x7ff);
    expect(live(t)).toBe(1);
    expect(t.flags[0x800]).toBe(TlbBit.RS);
  });
  it("invalidate(vpn) with no large page in the region drops only that entry", () => {
    const t = new Tlb();
    t.insert(0x10, 0, TlbBit.RS); t.insert(0x11, 0, TlbBit.RS);
    t.invalidate(0x10);
    expect([t.flags[0x10], t.flags[0x11]]).toEqual([0, TlbBit.RS]);
  });
});
