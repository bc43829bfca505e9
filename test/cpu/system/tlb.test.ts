// The TLB's invalidation contracts that the paging instructions rely on (mmu.ts Tlb).

import { describe, expect, it } from "vitest";
import { Tlb, TlbBit } from "../../../src/cpu/mmu.js";

const live = (t: Tlb) => t.arch.reduce((n, f) => n + (f !== 0 ? 1 : 0), 0);
/** An entry with fast-path permission RS (and G when `g`). */
const put = (t: Tlb, vpn: number, g = false) => t.insert(vpn, vpn << 12, TlbBit.RS | (g ? TlbBit.G : 0), 0, TlbBit.RS);

describe("Tlb", () => {
  it("more global entries than the list holds (9000): keep-global flush, then a full flush (CR4.PGE toggle) leaves nothing", () => {
    const t = new Tlb();
    for (let v = 0; v < 9000; v++) put(t, v, true);
    put(t, 20000);
    t.flush(true);
    expect(live(t)).toBe(9000);
    t.flush(false);
    expect(live(t)).toBe(0);
  });
  it("invalidate(vpn) of a page inside a large (PSE) page region drops every cached 4 KiB piece of that 4 MiB region, nothing else", () => {
    const t = new Tlb();
    for (let v = 0x400; v < 0x800; v += 0x100) put(t, v, true);
    t.large[1] = 1;
    put(t, 0x800);
    t.invalidate(0x7ff);
    expect(live(t)).toBe(1);
    expect(t.flags[0x800]).toBe(TlbBit.RS);
  });
  it("invalidate(vpn) with no large page in the region drops only that entry", () => {
    const t = new Tlb();
    put(t, 0x10); put(t, 0x11);
    t.invalidate(0x10);
    expect([t.flags[0x10], t.flags[0x11]]).toEqual([0, TlbBit.RS]);
    expect([t.arch[0x10], t.arch[0x11] !== 0]).toEqual([0, true]);
  });
  it("dropFast() removes fast-path permissions and keeps the architectural entries (not a flush)", () => {
    const t = new Tlb();
    put(t, 0x10); put(t, 0x11, true);
    t.dropFast();
    expect([t.flags[0x10], t.flags[0x11], live(t)]).toEqual([0, 0, 2]);
  });
});
