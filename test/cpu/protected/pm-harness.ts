// Protected-mode fixtures for unit tests: a GDT, an IDT whose every vector lands on its own HLT
// stub, and a 32-bit TSS, all built in guest memory from descriptor fields (SDM Vol.3 3.4.5).

import type { Cpu } from "../../../src/cpu/cpu.js";
import { Desc, Seg } from "../../../src/cpu/constants.js";
import type { HostMemory } from "../../../src/cpu/memory.js";
import { flat32, runToHalt } from "../harness.js";

export const GDT = 0x10000, IDT = 0x11000, TSS = 0x12000, STUBS = 0x3000, CODE = 0x1000;
export const RING0_STACK = 0x90000, RING3_STACK = 0x70000;

/** The 8 bytes of a code/data/system descriptor. access = P DPL S type byte; flags = G D/B L AVL nibble. */
export function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const hi = (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000)) >>> 0;
  return [lo, hi];
}
/** A gate descriptor: selector:offset, access byte (P DPL 0 type), parameter count. */
export function gateDescriptor(sel: number, offset: number, access: number, params = 0): [number, number] {
  return [((offset & 0xffff) | (sel << 16)) >>> 0, ((offset & 0xffff0000) | (access << 8) | params) >>> 0];
}

export function put(mem: HostMemory, addr: number, d: [number, number]): void {
  mem.view.setUint32(addr, d[0], true);
  mem.view.setUint32(addr + 4, d[1], true);
}
export function setGdt(mem: HostMemory, sel: number, d: [number, number]): void {
  put(mem, GDT + (sel & ~7), d);
}

// Standard selectors.
export const KCODE = 0x08, KDATA = 0x10, UCODE = 0x1b, UDATA = 0x23, TSS_SEL = 0x28;

/**
 * Flat 32-bit protected mode at CPL 0 with a real GDT (null, kernel code/data, user code/data,
 * TSS) and an IDT of 32-bit interrupt gates (DPL 0) to a HLT stub per vector at STUBS + v*16.
 */
export function setupPm(cpu: Cpu, mem: HostMemory): void {
  setGdt(mem, KCODE, descriptor(0, 0xfffff, 0x9a, 0xc));
  setGdt(mem, KDATA, descriptor(0, 0xfffff, 0x92, 0xc));
  setGdt(mem, UCODE, descriptor(0, 0xfffff, 0xfa, 0xc));
  setGdt(mem, UDATA, descriptor(0, 0xfffff, 0xf2, 0xc));
  setGdt(mem, TSS_SEL, descriptor(TSS, 0x67, 0x8b, 0)); // busy 32-bit TSS: as after LTR
  mem.view.setUint32(TSS + 4, RING0_STACK, true);
  mem.view.setUint32(TSS + 8, KDATA, true);
  for (let v = 0; v < 256; v++) {
    put(mem, IDT + v * 8, gateDescriptor(KCODE, STUBS + v * 16, 0x8e));
    mem.bytes[STUBS + v * 16] = 0xf4;
  }
  flat32(cpu, CODE, RING0_STACK);
  cpu.gdtrBase = GDT; cpu.gdtrLimit = 0x7ff;
  cpu.idtrBase = IDT; cpu.idtrLimit = 0x7ff;
  cpu.setSegCache(Seg.TR, TSS_SEL, TSS, 0x67, Desc.P | 11);
}

/** Switches the caches to CPL 3 flat segments (as if an IRET to user mode had happened). */
export function enterRing3(cpu: Cpu, eip: number): void {
  const code = Desc.P | Desc.S | Desc.CODE | Desc.RW | Desc.A | Desc.DB | Desc.G | (3 << 5);
  const data = Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G | (3 << 5);
  for (let s = 0; s < 6; s++) cpu.setSegCache(s, s === Seg.CS ? UCODE : UDATA, 0, -1, s === Seg.CS ? code : data);
  cpu.eip = eip;
  cpu.regs[4] = RING3_STACK;
  cpu.updateMode();
  void Seg.SS;
}

/** Runs to HLT; when it stopped in a stub, returns the vector and the frame it pushed. */
export function runToStub(cpu: Cpu, mem: HostMemory, withError: boolean) {
  runToHalt(cpu, 10000);
  const stop = cpu.eip - 1;
  if (stop < STUBS || stop >= STUBS + 256 * 16) return { vector: -1, error: -1, eip: -1, cs: -1, eflags: -1, esp: -1, ss: -1 };
  const sp = cpu.regs[4] >>> 0;
  const w = (i: number) => mem.view.getUint32(sp + i * 4, true);
  const o = withError ? 1 : 0;
  return {
    vector: (stop - STUBS) >> 4, error: withError ? w(0) : -1,
    eip: w(o), cs: w(o + 1), eflags: w(o + 2), esp: w(o + 3), ss: w(o + 4),
  };
}
