// Address translation details the differential oracle found against silicon.
import { describe, expect, it } from "vitest";
import { Cr0 } from "../../src/cpu/constants.js";
import { flat32, load, makeCpu, runToHalt } from "./harness.js";

describe("page faults on accesses that cross a page", () => {
  it("8b 05 fe 2f 12 00 mov eax,[0x122ffe] with both 0x122000 and 0x123000 unmapped → #PF with CR2 = 0x122ffe (the first page's fault wins)", () => {
    const { cpu, mem } = makeCpu();
    // Page directory at 0x10000 → one page table at 0x11000 mapping 0x0-0x3fffff except 0x122000/0x123000.
    const pd = 0x10000, pt = 0x11000;
    mem.view.setUint32(pd, pt | 3, true);
    for (let i = 0; i < 1024; i++) if (i !== 0x122 && i !== 0x123) mem.view.setUint32(pt + i * 4, (i << 12) | 3, true);
    // IDT at 0x20000 with vector 14 → handler at 0x3000 (HLT), 32-bit interrupt gate, selector 0x08.
    const idt = 0x20000, handler = 0x3000;
    mem.view.setUint32(idt + 14 * 8, (0x08 << 16) | (handler & 0xffff), true);
    mem.view.setUint32(idt + 14 * 8 + 4, (handler & 0xffff0000) | 0x8e00, true);
    load(mem, handler, [0xf4]);
    // GDT at 0x21000: null, 0x08 flat 32-bit code, 0x10 flat data (the gate's target selector).
    const gdt = 0x21000;
    mem.view.setUint32(gdt + 8, 0x0000ffff, true); mem.view.setUint32(gdt + 12, 0x00cf9a00, true);
    mem.view.setUint32(gdt + 16, 0x0000ffff, true); mem.view.setUint32(gdt + 20, 0x00cf9200, true);
    load(mem, 0x1000, [0x8b, 0x05, 0xfe, 0x2f, 0x12, 0x00]);
    flat32(cpu, 0x1000, 0x80000);
    cpu.gdtrBase = gdt;
    cpu.gdtrLimit = 23;
    cpu.idtrBase = idt;
    cpu.idtrLimit = 0x7ff;
    cpu.cr3 = pd;
    cpu.cr0 |= Cr0.PG;
    cpu.updateMode();
    cpu.flushTlb();
    runToHalt(cpu);
    expect(cpu.eip).toBe(handler + 1);
    expect(cpu.cr2 >>> 0).toBe(0x122ffe);
    // error code pushed: not present (P=0), read (W=0), supervisor (U=0)
    expect(mem.view.getUint32(0x80000 - 16, true)).toBe(0);
    // faulting EIP pushed
    expect(mem.view.getUint32(0x80000 - 12, true)).toBe(0x1000);
  });
});
