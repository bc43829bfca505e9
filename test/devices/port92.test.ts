import { describe, expect, it } from "vitest";
import { SystemControlPortA } from "../../src/devices/port92.js";

describe("port 0x92 System Control Port A (PIIX3 Port 92 Register)", () => {
  it("bit 1 set → onA20(true); cleared → onA20(false); bit 0 0→1 → onReset once", () => {
    const ev: string[] = [];
    const p = new SystemControlPortA({ onA20: (on) => ev.push(`a20=${on}`), onReset: () => ev.push("reset") });
    p.write(0, 1, 0x02);
    p.write(0, 1, 0x02);
    p.write(0, 1, 0x03);
    p.write(0, 1, 0x03);
    p.write(0, 1, 0x00);
    expect(ev).toEqual(["a20=true", "reset", "a20=false"]);
  });
  it("reads back the last value written; save/restore keeps it", () => {
    const p = new SystemControlPortA();
    p.write(0, 1, 0x0a);
    const q = new SystemControlPortA();
    q.restore(p.save());
    expect(q.read()).toBe(0x0a);
    expect(q.a20).toBe(true);
  });
});
