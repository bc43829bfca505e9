// The reverse-continue scan in slices (what the stub drives between socket polls).
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/vmx/machine.js";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { BpType } from "../../src/gdbstub/target.js";

/** 40 (inc eax) eb fd (jmp back to the inc) at 0x1000: EAX counts loop iterations; 2 instructions each. */
function counter(): Machine {
  const m = new Machine({ memBytes: 1 << 20, apic: false, pci: false });
  m.loadBytes(0x1000, Uint8Array.of(0x40, 0xeb, 0xfd));
  m.enter({ mode: "flat32", eip: 0x1000, esp: 0x8000 });
  return m;
}

describe("MachineTarget reverse-continue in slices", () => {
  it("inc/jmp loop run 10,000 instructions; a scan slice of 1,500 covers only the newest interval; ^C settles at its lower bound 9,000 with EAX = 4,500", () => {
    const t = new MachineTarget(counter(), { snapshotEvery: 1000 });
    t.resume("continue");
    expect(t.runSlice(10_000)).toBeNull();
    expect(t.machine.cpu.icount).toBe(10_000);
    t.addBreakpoint(BpType.SW, 0x5000, 1);
    t.resume("reverseContinue");
    expect(t.runSlice(1500)).toBeNull();
    t.interrupt();
    expect(t.machine.cpu.icount).toBe(9000);
    expect(t.machine.cpu.regs[0]).toBe(4500);
  });
  it("hbreak on the jmp (0x1001): reverse-continue from icount 10,000 stops at icount 9,999 (EAX 5,000), then at 9,997 (EAX 4,999)", () => {
    const t = new MachineTarget(counter(), { snapshotEvery: 1000 });
    t.resume("continue");
    t.runSlice(10_000);
    t.addBreakpoint(BpType.HW, 0x1001, 1);
    expect(t.reverseContinue()).toEqual({ kind: "hwbreak" });
    expect([t.machine.cpu.icount, t.machine.cpu.eip, t.machine.cpu.regs[0]]).toEqual([9999, 0x1001, 5000]);
    expect(t.reverseContinue()).toEqual({ kind: "hwbreak" });
    expect([t.machine.cpu.icount, t.machine.cpu.regs[0]]).toEqual([9997, 4999]);
  });
  it("write watch on 0x2000 with nothing writing it: reverse-continue ends at the start (replaylog:begin), EAX 0", () => {
    const t = new MachineTarget(counter(), { snapshotEvery: 700 });
    t.resume("continue");
    t.runSlice(3000);
    t.addBreakpoint(BpType.WRITE, 0x2000, 8);
    expect(t.reverseContinue()).toEqual({ kind: "replaylog", end: "begin" });
    expect([t.machine.cpu.icount, t.machine.cpu.regs[0]]).toEqual([0, 0]);
  });
  it("back at icount 4,000 gdb sets EAX = 100,000: seeking forward to 10,000 runs the changed history (EAX 103,000), not the old snapshots (5,000)", () => {
    const t = new MachineTarget(counter(), { snapshotEvery: 1000 });
    t.resume("continue");
    t.runSlice(10_000);
    t.seek(4000);
    expect(t.machine.cpu.regs[0]).toBe(2000);
    expect(t.writeRegister(0, Uint8Array.of(0xa0, 0x86, 0x01, 0x00))).toBe(true);
    t.seek(10_000);
    expect(t.machine.cpu.regs[0]).toBe(103_000);
  });
});
