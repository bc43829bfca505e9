// The decoded-instruction cache must be invisible: self-modifying code sees its own writes.
import { describe, expect, it } from "vitest";
import { flat32, load, makeCpu } from "./harness.js";

const rel32 = (from: number, to: number) => {
  const r = (to - from) | 0;
  return [r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff, (r >>> 24) & 0xff];
};

describe("decoded-instruction cache", () => {
  it("b0 05 mov al,5 rewritten to mov al,6 by 80 05 add byte [0x1001],1 after it ran → the re-run loads 6", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [0xb0, 0x05, 0x80, 0x05, 0x01, 0x10, 0x00, 0x00, 0x01, 0xeb, 0xf5]);
    flat32(cpu, 0x1000);
    cpu.run(4); // mov al,5; add [0x1001],1; jmp 0x1000; mov al,6
    expect(cpu.regs[0] & 0xff).toBe(6);
    cpu.run(7); // add → 7; jmp; mov al,7
    expect(cpu.regs[0] & 0xff).toBe(7);
  });

  it("a page written before it held code (TLB write permission granted) is rewritten again after it ran → the new bytes execute", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [
      0x80, 0x05, 0x01, 0x20, 0x00, 0x00, 0x01, // 1000: add byte [0x2001],1
      0xe9, ...rel32(0x100c, 0x2000), //          1007: jmp 0x2000
      0x80, 0x05, 0x01, 0x20, 0x00, 0x00, 0x01, // 100c: add byte [0x2001],1
      0xe9, ...rel32(0x1018, 0x2000), //          1013: jmp 0x2000
    ]);
    load(mem, 0x2000, [0xb0, 0x05, 0xe9, ...rel32(0x2007, 0x100c)]); // mov al,imm; jmp 0x100c
    flat32(cpu, 0x1000);
    cpu.run(3);
    expect(cpu.regs[0] & 0xff).toBe(6);
    cpu.run(7);
    expect(cpu.regs[0] & 0xff).toBe(7);
  });

  it("the same bytes decode differently in 16- and 32-bit code (b8 imm: 3 vs 5 bytes) even from the same physical address", () => {
    const { cpu, mem } = makeCpu();
    load(mem, 0x1000, [0xb8, 0x34, 0x12, 0x78, 0x56, 0xf4]);
    flat32(cpu, 0x1000);
    cpu.run(1);
    expect(cpu.regs[0] >>> 0).toBe(0x56781234);
    expect(cpu.eip).toBe(0x1005);
    // Same physical bytes, now as 16-bit code (CS.D = 0): mov ax,0x1234 is 3 bytes long.
    cpu.setSegCache(1, 0x08, 0, -1, cpu.segAttr[1] & ~(1 << 14));
    cpu.updateMode();
    cpu.regs[0] = 0;
    cpu.eip = 0x1000;
    cpu.run(2);
    expect(cpu.regs[0] >>> 0).toBe(0x1234);
    expect(cpu.eip).toBe(0x1003);
  });
});
