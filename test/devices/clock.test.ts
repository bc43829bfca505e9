import { describe, expect, it } from "vitest";
import { Clock, nsOfTick, ticksAt } from "../../src/devices/clock.js";
import { bigNsOfTick, bigTicks, makeClock } from "./helpers.js";

describe("Clock", () => {
  it("2 ns per instruction: a timer at 1001 ns is due at icount 501 (first icount whose time ≥ deadline)", () => {
    let icount = 0;
    const c = new Clock({ icount: () => icount, nsPerInstruction: 2 });
    const t = c.createTimer("t", () => {});
    c.schedule(t, 1001);
    expect(c.nextDeadlineIcount()).toBe(501);
    icount = 7;
    expect(c.nowNs()).toBe(14);
  });
  it("no timers → nextDeadlineIcount() is Infinity; cancel of the earliest exposes the next", () => {
    const { clock } = makeClock();
    expect(clock.nextDeadlineIcount()).toBe(Infinity);
    const a = clock.createTimer("a", () => {});
    const b = clock.createTimer("b", () => {});
    clock.schedule(a, 100);
    clock.schedule(b, 200);
    expect(clock.nextDeadlineIcount()).toBe(100);
    clock.cancel(a);
    expect(clock.nextDeadlineIcount()).toBe(200);
  });
  it("re-arming the earliest timer later → nextDeadlineIcount() moves to the new earliest", () => {
    const { clock } = makeClock();
    const a = clock.createTimer("a", () => {});
    const b = clock.createTimer("b", () => {});
    clock.schedule(a, 100);
    clock.schedule(b, 200);
    clock.schedule(a, 300);
    expect(clock.nextDeadlineIcount()).toBe(200);
  });
  it("runDue fires by deadline, then registration order for equal deadlines", () => {
    const { clock } = makeClock();
    const order: string[] = [];
    const first = clock.createTimer("first", () => order.push("first"));
    const second = clock.createTimer("second", () => order.push("second"));
    const third = clock.createTimer("third", () => order.push("third"));
    clock.schedule(third, 50);
    clock.schedule(second, 100);
    clock.schedule(first, 100);
    expect(clock.runDue(99)).toBe(1);
    expect(clock.runDue(100)).toBe(2);
    expect(order).toEqual(["third", "first", "second"]);
  });
  it("a periodic timer re-armed in its callback fires once per period when the loop is late", () => {
    const { clock } = makeClock();
    const seen: number[] = [];
    const t = clock.createTimer("p", (at) => {
      seen.push(at);
      clock.schedule(t, at + 10);
    });
    clock.schedule(t, 10);
    clock.runDue(35);
    expect(seen).toEqual([10, 20, 30]);
    expect(clock.nextDeadlineIcount()).toBe(40);
  });
  it("createTimer with a name already used → throws", () => {
    const { clock } = makeClock();
    clock.createTimer("x", () => {});
    expect(() => clock.createTimer("x", () => {})).toThrow(/already/);
  });
  it("ticksAt/nsOfTick equal exact BigInt arithmetic for 1193182 Hz and 32768 Hz up to days of guest time", () => {
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const ns = x * 40_000 + (i % 7); // up to ~8.6e13 ns (one day)
      for (const hz of [1193182, 32768]) {
        expect(ticksAt(ns, hz)).toBe(bigTicks(ns, hz));
        const t = bigTicks(ns, hz);
        expect(nsOfTick(t, hz)).toBe(bigNsOfTick(t, hz));
        expect(ticksAt(nsOfTick(t, hz), hz)).toBe(t);
        expect(ticksAt(nsOfTick(t, hz) - 1, hz)).toBe(t - 1);
      }
    }
  });
});
