import { describe, expect, it } from "vitest";
import { ExitReason, exitReasonName } from "../../src/vmx/exit-reasons.js";
import { ExitStats } from "../../src/vmx/exit-stats.js";

describe("exit reasons", () => {
  it("numbers follow SDM Vol.3 Appendix C (IO_INSTRUCTION = 30, EPT_VIOLATION = 48, CPUID = 10, HLT = 12)", () => {
    expect(exitReasonName(30)).toBe("IO_INSTRUCTION");
    expect(exitReasonName(48)).toBe("EPT_VIOLATION");
    expect(exitReasonName(10)).toBe("CPUID");
    expect(exitReasonName(12)).toBe("HLT");
    expect(exitReasonName(35)).toBe("RESERVED_35");
  });
});

describe("ExitStats", () => {
  it("3 writes to 0x3f8 + 1 read of 0x3fd + 1 HLT → IO_INSTRUCTION 4 (80%), HLT 1, ports listed busiest first", () => {
    const s = new ExitStats();
    s.io(0x3f8, true); s.io(0x3f8, true); s.io(0x3f8, true); s.io(0x3fd, false);
    s.count(ExitReason.HLT);
    expect(s.total()).toBe(5);
    const t = s.format((p) => (p >= 0x3f8 && p < 0x400 ? "COM1" : ""));
    expect(t).toMatch(/30 IO_INSTRUCTION\s+4\s+80\.00%/);
    expect(t).toMatch(/12 HLT\s+1\s+20\.00%/);
    expect(t.indexOf("0x03f8")).toBeLessThan(t.indexOf("0x03fd"));
    expect(t).toMatch(/0x03f8\s+0\s+3\s+COM1/);
  });
});
