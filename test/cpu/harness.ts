// A bare CPU on flat RAM for instruction tests: no machine, ports recorded, CPUID from the i686 model.

import { Cpu, STOP_HALT } from "../../src/cpu/cpu.js";
import { Cr0, Desc, Reg, Seg } from "../../src/cpu/constants.js";
import { cpuidLookup, i686Model } from "../../src/cpu/cpuid.js";
import type { CpuHost } from "../../src/cpu/host.js";
import { HostMemory, PhysicalMap } from "../../src/cpu/memory.js";

export class TestHost implements CpuHost {
  readonly out: Array<{ port: number; size: number; value: number }> = [];
  readonly reports: string[] = [];
  inValue = (_port: number, size: number) => (size === 4 ? -1 : (1 << (size * 8)) - 1);
  model = i686Model();
  irq: number[] = [];
  shutdownReason = "";
  ioIn(_cpu: Cpu, port: number, size: number): number { return this.inValue(port, size); }
  ioOut(_cpu: Cpu, port: number, size: number, value: number): void { this.out.push({ port, size, value }); }
  cpuid(cpu: Cpu): void {
    const l = cpuidLookup(this.model, cpu.regs[Reg.EAX]);
    cpu.regs[Reg.EAX] = l.eax; cpu.regs[Reg.EBX] = l.ebx; cpu.regs[Reg.ECX] = l.ecx; cpu.regs[Reg.EDX] = l.edx;
  }
  rdmsr(): boolean { return false; }
  wrmsr(): boolean { return false; }
  rdtsc(cpu: Cpu): number { return cpu.icount; }
  interruptPending(): boolean { return this.irq.length > 0; }
  acknowledgeInterrupt(): number { return this.irq.shift()!; }
  ferrAsserted = false;
  ferr(_cpu: Cpu, asserted: boolean): void { this.ferrAsserted = asserted; }
  shutdown(_cpu: Cpu, reason: string): void { this.shutdownReason = reason; }
  report(_cpu: Cpu, message: string): void { this.reports.push(message); }
}

export function makeCpu(memSize = 4 << 20): { cpu: Cpu; host: TestHost; mem: HostMemory } {
  const mem = new HostMemory(memSize);
  const host = new TestHost();
  const cpu = new Cpu(mem, new PhysicalMap(mem), host);
  return { cpu, host, mem };
}

/** Puts the CPU in 32-bit protected mode with flat 4 GiB segments, as a loader would leave it. */
export function flat32(cpu: Cpu, eip: number, esp = 0x80000): void {
  cpu.cr0 |= Cr0.PE;
  const code = Desc.P | Desc.S | Desc.CODE | Desc.RW | Desc.A | Desc.DB | Desc.G;
  const data = Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G;
  for (let s = 0; s < 6; s++) cpu.setSegCache(s, s === Seg.CS ? 0x08 : 0x10, 0, -1, s === Seg.CS ? code : data);
  cpu.eip = eip;
  cpu.regs[4] = esp;
  cpu.updateMode();
}

/** Real mode with CS:IP = cs:ip (other segments 0). */
export function real16(cpu: Cpu, cs: number, ip: number, sp = 0xfffe): void {
  cpu.cr0 &= ~Cr0.PE;
  for (let s = 0; s < 6; s++) cpu.setSegCache(s, 0, 0, 0xffff, Desc.P | Desc.S | Desc.RW | Desc.A | (s === Seg.CS ? Desc.CODE : 0));
  cpu.setSegCache(Seg.CS, cs, cs << 4, 0xffff, Desc.P | Desc.S | Desc.RW | Desc.A); // as a real-mode CS load leaves it
  cpu.eip = ip;
  cpu.regs[4] = sp;
  cpu.updateMode();
}

export function load(mem: HostMemory, addr: number, bytes: ArrayLike<number>): void {
  mem.bytes.set(Array.from(bytes), addr);
}

/** Runs until HLT (or `max` instructions); throws if it did not halt. */
export function runToHalt(cpu: Cpu, max = 1_000_000): void {
  const r = cpu.run(cpu.icount + max);
  if (r !== STOP_HALT) throw new Error(`CPU did not halt (stop reason ${r}, eip ${cpu.eip.toString(16)}, icount ${cpu.icount})`);
}
