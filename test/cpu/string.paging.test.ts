// Page faults in the middle of REP string instructions. Protected-mode delivery is replaced by a
// recorder (this file tests the string instructions, not the IDT): it notes the vector, error
// code and the state at delivery, and halts the CPU.

import { describe, expect, it, vi } from "vitest";
import { Cr0, Pte, Reg } from "../../src/cpu/constants.js";
import type { Cpu } from "../../src/cpu/cpu.js";
import { FAULT } from "../../src/cpu/fault.js";
import { flat32, load, makeCpu, runToHalt } from "./harness.js";
import { nasm } from "./mov.helpers.js";

const seen = vi.hoisted(() => [] as Array<{ vector: number; errorCode: number; eip: number; cr2: number }>);

vi.mock("../../src/cpu/system/idt.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../src/cpu/system/idt.js")>();
  return {
    ...orig,
    deliverProtected: (cpu: Cpu, vector: number, _type: number, errorCode: number) => {
      seen.push({ vector, errorCode, eip: cpu.eip, cr2: FAULT.cr2 });
      cpu.halted = true;
      cpu.poke();
    },
  };
});

const PD = 0x100000, PT = 0x101000;

/** Identity-mapped first 4 MiB with 4 KiB pages; `absent` pages not present, `readOnly` pages RW=0; CR0.WP=1. */
function paged(src: string, absent: number[], readOnly: number[]) {
  const m = makeCpu();
  load(m.mem, 0x1000, [...nasm(src, 32, 0x1000), 0xf4]);
  m.mem.view.setUint32(PD, PT | Pte.P | Pte.RW, true);
  for (let i = 0; i < 1024; i++) {
    const flags = absent.includes(i) ? 0 : Pte.P | (readOnly.includes(i) ? 0 : Pte.RW);
    m.mem.view.setUint32(PT + 4 * i, (i << 12) | flags, true);
  }
  flat32(m.cpu, 0x1000);
  m.cpu.cr3 = PD;
  m.cpu.cr0 |= Cr0.PG | Cr0.WP;
  m.cpu.flushTlb();
  m.cpu.updateMode();
  seen.length = 0;
  return m;
}

describe("REP string instruction page faults", () => {
  it("f3 a4 rep movsb reading into a not-present page at iteration 17 → #PF(0), CR2=0x25000, 16 bytes moved, ECX/ESI/EDI after 16", () => {
    const m = paged("mov esi,0x24ff0\nmov edi,0x40000\nmov ecx,100\nrep movsb", [0x25], []);
    for (let i = 0; i < 16; i++) m.mem.bytes[0x24ff0 + i] = 0x30 + i;
    runToHalt(m.cpu);
    expect(seen).toEqual([{ vector: 14, errorCode: 0, eip: 0x1000 + 15, cr2: 0x25000 }]);
    expect(m.cpu.cr2).toBe(0x25000);
    expect([m.cpu.regs[Reg.ECX], m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI]]).toEqual([84, 0x25000, 0x40010]);
    expect(Array.from(m.mem.bytes.subarray(0x40000, 0x40011))).toEqual([...Array.from({ length: 16 }, (_, i) => 0x30 + i), 0]);
    expect(m.cpu.icount).toBe(3 + 16);
  });
  it("f3 ab rep stosd writing into a read-only page (CR0.WP=1) → #PF(P|W)=3 at EDI=0x30000 after 2 dwords", () => {
    const m = paged("mov edi,0x2fff8\nmov ecx,8\nmov eax,0x11223344\nrep stosd", [], [0x30]);
    runToHalt(m.cpu);
    expect(seen).toEqual([{ vector: 14, errorCode: 3, eip: 0x1000 + 15, cr2: 0x30000 }]);
    expect([m.cpu.regs[Reg.ECX], m.cpu.regs[Reg.EDI]]).toEqual([6, 0x30000]);
    expect(m.mem.view.getUint32(0x2fffc, true)).toBe(0x11223344);
    expect(m.mem.view.getUint32(0x30000, true)).toBe(0);
    expect(m.cpu.icount).toBe(3 + 2);
  });
  it("std; f3 a5 rep movsd backwards into a not-present page → faults on the first dword below the page boundary", () => {
    // Source dwords at 0x26008, 0x26004, 0x26000 (ok), 0x25ffc (page 0x25 absent).
    const m = paged("std\nmov esi,0x26008\nmov edi,0x40100\nmov ecx,10\nrep movsd", [0x25], []);
    runToHalt(m.cpu);
    expect(seen).toEqual([{ vector: 14, errorCode: 0, eip: 0x1000 + 16, cr2: 0x25ffc }]);
    expect([m.cpu.regs[Reg.ECX], m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI]]).toEqual([7, 0x25ffc, 0x40100 - 12]);
    expect(m.cpu.icount).toBe(4 + 3);
  });
});
