import { describe, expect, it } from "vitest";
import { Desc, Eflags, Exc, Seg } from "../../../src/cpu/constants.js";
import { getEflags } from "../../../src/cpu/flags.js";
import { load, makeCpu, runToHalt } from "../harness.js";
import { CODE, descriptor, gateDescriptor, GDT, IDT, KCODE, KDATA, put, RING0_STACK, RING3_STACK, runToStub, setGdt, setupPm, enterRing3, TSS, UCODE, UDATA, STUBS } from "./pm-harness.js";

const u32 = (mem: { view: DataView }, a: number) => mem.view.getUint32(a, true);

function ring3(code: number[], extra?: (mem: ReturnType<typeof makeCpu>["mem"]) => void) {
  const m = makeCpu();
  setupPm(m.cpu, m.mem);
  extra?.(m.mem);
  load(m.mem, CODE, code);
  enterRing3(m.cpu, CODE);
  return m;
}

describe("interrupt delivery through the IDT (SDM Vol.3 6.12)", () => {
  it("cd 40 int 0x40 at CPL 3, gate DPL 0 → #GP(0x40*8+2 = 0x202) at the INT, frame on the TSS ring-0 stack", () => {
    const { cpu, mem } = ring3([0xcd, 0x40]);
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip, f.cs, f.esp, f.ss]).toEqual([Exc.GP, 0x202, CODE, UCODE, RING3_STACK, UDATA]);
    expect(cpu.regs[4] >>> 0).toBe(RING0_STACK - 24);
    expect(cpu.cpl).toBe(0);
    expect(cpu.segSel[Seg.CS]).toBe(KCODE);
    expect(cpu.segSel[Seg.SS]).toBe(KDATA);
  });
  it("cd 41 int 0x41 at CPL 3, gate DPL 3 (interrupt gate) → ring-0 handler, frame SS ESP EFLAGS CS EIP, IF cleared", () => {
    const { cpu, mem } = ring3([0xcd, 0x41], (mem) => put(mem, IDT + 0x41 * 8, gateDescriptor(KCODE, STUBS + 0x41 * 16, 0xee)));
    cpu.flags |= Eflags.IF;
    const f = runToStub(cpu, mem, false);
    expect([f.vector, f.eip, f.cs, f.esp, f.ss]).toEqual([0x41, CODE + 2, UCODE, RING3_STACK, UDATA]);
    expect(f.eflags & (Eflags.IF | Eflags.RF)).toBe(Eflags.IF);
    expect(cpu.flags & Eflags.IF).toBe(0);
  });
  it("f4 hlt at CPL 3 → #GP(0) with the HLT's EIP; the pushed EFLAGS has RF=1 (a fault, SDM Vol.3 17.3.1.1)", () => {
    const { cpu, mem } = ring3([0xf4]);
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0, CODE]);
    expect(f.eflags & Eflags.RF).toBe(Eflags.RF);
  });
  it("cd 42 int 0x42, gate DPL 3 but not present → #NP(0x42*8+2 = 0x212)", () => {
    const { cpu, mem } = ring3([0xcd, 0x42], (mem) => put(mem, IDT + 0x42 * 8, gateDescriptor(KCODE, 0, 0x6e)));
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.NP, 0x212, CODE]);
  });
  it("cd 80 int 0x80 beyond IDT limit 0x3ff → #GP(0x80*8+2 = 0x402)", () => {
    const { cpu, mem } = ring3([0xcd, 0x80]);
    cpu.idtrLimit = 0x3ff;
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x402]);
  });
  it("external interrupt 0x50 whose gate is not present → #NP(0x50*8+2+EXT = 0x283)", () => {
    const { cpu, mem, host } = ring3([0x90, 0x90], (mem) => put(mem, IDT + 0x50 * 8, gateDescriptor(KCODE, 0, 0x0e)));
    cpu.flags |= Eflags.IF;
    host.irq.push(0x50);
    cpu.poke();
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.NP, 0x283, CODE]);
  });
  it("f4 hlt at CPL 3 → #GP whose gate names a not-present code segment → #NP during #GP delivery → #DF(0) (Table 6-5)", () => {
    const { cpu, mem } = ring3([0xf4], (mem) => {
      setGdt(mem, 0x30, descriptor(0, 0xfffff, 0x1a, 0xc)); // code, not present
      put(mem, IDT + 13 * 8, gateDescriptor(0x30, 0, 0x8e));
    });
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.DF, 0, CODE]);
  });
  it("f1 int1 whose gate names a not-present code segment → #NP(0x30|EXT = 0x31) (#DB is benign: no #DF)", () => {
    const { cpu, mem } = ring3([0xf1], (mem) => {
      setGdt(mem, 0x30, descriptor(0, 0xfffff, 0x1a, 0xc));
      put(mem, IDT + 1 * 8, gateDescriptor(0x30, 0, 0x8e));
    });
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.NP, 0x31, CODE]);
  });
  it("#GP at CPL 3 with TSS.SS0 not present → #SS(ss|EXT) during delivery becomes #DF, delivered by task gate", () => {
    const { cpu, mem } = ring3([0xf4], (mem) => {
      setGdt(mem, 0x30, descriptor(0, 0xfffff, 0x12, 0xc)); // data DPL 0, not present
      mem.view.setUint32(TSS + 8, 0x30, true);
      setGdt(mem, 0x38, descriptor(0x14000, 0x67, 0x89, 0)); // #DF task's TSS
      put(mem, IDT + 8 * 8, gateDescriptor(0x38, 0, 0x85)); // task gate
      mem.view.setUint32(0x14000 + 0x20, STUBS + 8 * 16, true); // EIP
      mem.view.setUint32(0x14000 + 0x24, 2, true); // EFLAGS
      mem.view.setUint32(0x14000 + 0x38, 0x88000, true); // ESP
      for (const [off, sel] of [[0x48, KDATA], [0x4c, KCODE], [0x50, KDATA], [0x54, KDATA], [0x58, KDATA], [0x5c, KDATA]]) mem.view.setUint32(0x14000 + off, sel, true);
    });
    runToHalt(cpu, 100);
    expect(cpu.eip).toBe(STUBS + 8 * 16 + 1);
    expect(cpu.segSel[Seg.TR]).toBe(0x38);
    expect(u32(mem, 0x88000 - 4)).toBe(0); // #DF error code
    expect(mem.view.getUint16(0x14000, true)).toBe(0x28); // back link to the interrupted task
    expect(getEflags(cpu) & Eflags.NT).toBe(Eflags.NT);
    expect(u32(mem, TSS + 0x20)).toBe(CODE); // the old task's EIP: the faulting HLT
    expect(mem.bytes[GDT + 0x38 + 5] & 0x0f).toBe(0x0b); // new TSS busy
    expect(mem.bytes[GDT + 0x28 + 5] & 0x0f).toBe(0x0b); // old stays busy (nested)
  });
});

describe("call gates and far returns (SDM Vol.3 5.8)", () => {
  const gateSetup = (mem: ReturnType<typeof makeCpu>["mem"]) => {
    setGdt(mem, 0x30, gateDescriptor(KCODE, 0x2000, 0xec, 2)); // 32-bit call gate, DPL 3, 2 params
    mem.bytes.set([0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0xf4, 0xca, 0x08, 0x00, 0xf4], 0x2000); // mov ax,0x10; mov ds,ax; hlt; retf 8
  };
  it("6a 22 6a 11 9a call 0x33:0 at CPL 3 through a DPL 3 call gate with 2 params → ring 0, params copied", () => {
    const { cpu, mem } = ring3([0x6a, 0x22, 0x6a, 0x11, 0x9a, 0, 0, 0, 0, 0x33, 0x00, 0xf4], gateSetup);
    runToHalt(cpu, 100);
    expect(cpu.eip).toBe(0x2007);
    expect(cpu.cpl).toBe(0);
    const sp = cpu.regs[4] >>> 0;
    expect(sp).toBe(RING0_STACK - 24);
    expect([0, 1, 2, 3, 4, 5].map((i) => u32(mem, sp + i * 4))).toEqual([CODE + 11, UCODE, 0x11, 0x22, RING3_STACK - 8, UDATA]);
  });
  it("ca 08 00 retf 8 back to CPL 3: ESP = caller's + 8, DS (DPL 0) nulled", () => {
    const { cpu, mem } = ring3([0x6a, 0x22, 0x6a, 0x11, 0x9a, 0, 0, 0, 0, 0x33, 0x00, 0xf4], gateSetup);
    runToHalt(cpu, 100);
    cpu.halted = false; // resume after the HLT in the gate target: retf 8
    runToStub(cpu, mem, true); // the ring-3 HLT → #GP(0): stub
    expect(cpu.segSel[Seg.DS]).toBe(0);
    expect(cpu.segAttr[Seg.DS] & Desc.UNUSABLE).toBe(Desc.UNUSABLE);
    const sp = cpu.regs[4] >>> 0;
    expect([u32(mem, sp), u32(mem, sp + 4), u32(mem, sp + 16)]).toEqual([0, CODE + 11, RING3_STACK]);
  });
  it("9a call 0x30:0 to a call gate with DPL 0 from CPL 3 → #GP(0x30)", () => {
    const { cpu, mem } = ring3([0x9a, 0, 0, 0, 0, 0x33, 0x00], (mem) => setGdt(mem, 0x30, gateDescriptor(KCODE, 0x2000, 0x8c, 0)));
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0x30, CODE]);
  });
  it("cf iretd at CPL 0 to CPL 3 (frame EIP CS EFLAGS ESP SS) → CPL 3, ESP and SS from the frame", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    load(mem, CODE, [0x6a, UDATA, 0x68, 0x00, 0x70, 0x06, 0x00, 0x68, 0x02, 0x02, 0, 0, 0x6a, UCODE, 0x68, 0x00, 0x20, 0, 0, 0xcf]);
    mem.bytes[0x2000] = 0xf4;
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip, f.cs, f.esp, f.ss]).toEqual([Exc.GP, 0, 0x2000, UCODE, 0x67000, UDATA]);
    expect(f.eflags & Eflags.IF).toBe(Eflags.IF);
  });
});

describe("task switches (SDM Vol.3 7.3)", () => {
  function taskSetup(mem: ReturnType<typeof makeCpu>["mem"], ds = KDATA) {
    setGdt(mem, 0x38, descriptor(0x14000, 0x67, 0x89, 0));
    const t = 0x14000;
    mem.view.setUint32(t + 0x20, 0x2000, true);
    mem.view.setUint32(t + 0x24, 0x202, true);
    mem.view.setUint32(t + 0x28, 0x11111111, true); // EAX
    mem.view.setUint32(t + 0x38, 0x88000, true);
    for (const [off, sel] of [[0x48, KDATA], [0x4c, KCODE], [0x50, KDATA], [0x54, ds], [0x58, 0], [0x5c, 0]]) mem.view.setUint32(t + off, sel, true);
    mem.bytes[0x2000] = 0xf4;
  }
  it("ea jmp 0x38:0 to an available TSS → new state loaded, old state saved, busy bits moved", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    taskSetup(mem);
    load(mem, CODE, [0xb8, 0x44, 0x33, 0x22, 0x11, 0xea, 0, 0, 0, 0, 0x38, 0]);
    runToHalt(cpu, 100);
    expect(cpu.eip).toBe(0x2001);
    expect(cpu.regs[0]).toBe(0x11111111);
    expect(cpu.regs[4]).toBe(0x88000);
    expect(cpu.segSel[Seg.TR]).toBe(0x38);
    expect(cpu.segAttr[Seg.FS] & Desc.UNUSABLE).toBe(Desc.UNUSABLE);
    expect(getEflags(cpu) & (Eflags.IF | Eflags.NT)).toBe(Eflags.IF);
    expect(u32(mem, TSS + 0x20)).toBe(CODE + 12); // saved EIP: after the JMP
    expect(u32(mem, TSS + 0x28)).toBe(0x11223344); // saved EAX
    expect(mem.bytes[GDT + 0x28 + 5] & 0x0f).toBe(0x09); // old TSS no longer busy
    expect(mem.bytes[GDT + 0x38 + 5] & 0x0f).toBe(0x0b);
    expect(cpu.cr0 & 8).toBe(8); // CR0.TS
  });
  it("9a call 0x38:0 then cf iretd in the called task → back to the caller (NT, back link), busy cleared", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    taskSetup(mem);
    mem.bytes[0x2000] = 0xcf; // iretd
    load(mem, CODE, [0x9a, 0, 0, 0, 0, 0x38, 0, 0xf4]);
    runToHalt(cpu, 100);
    expect(cpu.eip).toBe(CODE + 8);
    expect(cpu.segSel[Seg.TR]).toBe(0x28);
    expect(mem.view.getUint16(0x14000, true)).toBe(0x28);
    expect(mem.bytes[GDT + 0x38 + 5] & 0x0f).toBe(0x09);
    expect(u32(mem, 0x14000 + 0x24) & Eflags.NT).toBe(0); // the called task's saved EFLAGS has NT cleared
    expect(u32(mem, 0x14000 + 0x20)).toBe(0x2001);
  });
  it("ea jmp to a TSS whose DS selector is beyond the GDT limit → #TS(0x1000) raised in the new task (its EIP, its stack)", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    taskSetup(mem, 0x1000);
    load(mem, CODE, [0xea, 0, 0, 0, 0, 0x38, 0]);
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip, f.cs]).toEqual([Exc.TS, 0x1000, 0x2000, KCODE]);
    expect(cpu.regs[4]).toBe(0x88000 - 16);
    expect(cpu.segSel[Seg.TR]).toBe(0x38);
  });
  it("ea jmp 0x28:0 to the current (busy) TSS → #GP(0x28)", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    load(mem, CODE, [0xea, 0, 0, 0, 0, 0x28, 0]);
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error]).toEqual([Exc.GP, 0x28]);
  });
});

describe("virtual-8086 mode entry and exit (SDM Vol.3 20.2-20.3)", () => {
  it("cf iretd with VM=1 at CPL 0 → V86 (segments base sel*16); cd 30 with IOPL 3 → ring-0 frame with GS FS DS ES, data segments nulled", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    put(mem, IDT + 0x30 * 8, gateDescriptor(KCODE, STUBS + 0x30 * 16, 0xee));
    // push gs fs ds es ss esp eflags cs eip (dwords), iretd
    const d = (v: number) => [0x68, v & 0xff, (v >> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    load(mem, CODE, [...d(0x5555), ...d(0x4444), ...d(0x3333), ...d(0x2222), ...d(0x7000), ...d(0x0ffe),
      ...d(Eflags.VM | 0x3002), ...d(0x0500), ...d(0x0010), 0xcf]);
    mem.bytes.set([0xcd, 0x30], 0x5010);
    const f = runToStub(cpu, mem, false);
    expect(f.vector).toBe(0x30);
    expect([f.eip, f.cs, f.esp, f.ss]).toEqual([0x12, 0x500, 0x0ffe, 0x7000]);
    expect(f.eflags & Eflags.VM).toBe(Eflags.VM);
    const sp = cpu.regs[4] >>> 0;
    expect([5, 6, 7, 8].map((i) => u32(mem, sp + i * 4))).toEqual([0x2222, 0x3333, 0x4444, 0x5555]);
    expect(sp).toBe(RING0_STACK - 36);
    for (const s of [Seg.DS, Seg.ES, Seg.FS, Seg.GS]) expect(cpu.segSel[s]).toBe(0);
    expect(cpu.flags & Eflags.VM).toBe(0);
    expect(cpu.cpl).toBe(0);
  });
  it("2e c6 06 00 01 55 mov byte [cs:0x100],0x55 in V86 → written (V86 segments, CS included, are read/write data)", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    const d = (v: number) => [0x68, v & 0xff, (v >> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    load(mem, CODE, [...d(0), ...d(0), ...d(0), ...d(0), ...d(0x7000), ...d(0x0ffe), ...d(Eflags.VM | 2), ...d(0x0500), ...d(0x0010), 0xcf]);
    mem.bytes.set([0x2e, 0xc6, 0x06, 0x00, 0x01, 0x55, 0xf4], 0x5010);
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0, 0x16]); // the HLT after the store
    expect(mem.bytes[0x5100]).toBe(0x55);
  });
  it("cd 30 in V86 with IOPL 0 → #GP(0) at the INT (SDM Vol.3 20.3.1)", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    const d = (v: number) => [0x68, v & 0xff, (v >> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    load(mem, CODE, [...d(0), ...d(0), ...d(0), ...d(0), ...d(0x7000), ...d(0x0ffe), ...d(Eflags.VM | 2), ...d(0x0500), ...d(0x0010), 0xcf]);
    mem.bytes.set([0xcd, 0x30], 0x5010);
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip, f.cs]).toEqual([Exc.GP, 0, 0x10, 0x500]);
  });
});

describe("descriptor probes and system-table instructions", () => {
  function pm(code: number[]) {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    load(mem, CODE, [...code, 0xf4]);
    return { cpu, mem };
  }
  it("0f 02 c1 lar eax,ecx: ecx=0x23 (user data, access f2, flags c) → eax = 0x00c0f200 (bits 19:16 undefined), ZF=1", () => {
    const { cpu } = pm([0xb9, 0x23, 0, 0, 0, 0x0f, 0x02, 0xc1]);
    runToHalt(cpu, 100);
    expect((cpu.regs[0] & ~0x000f0000) >>> 0).toBe(0x00c0f200);
    expect(getEflags(cpu) & Eflags.ZF).toBe(Eflags.ZF);
  });
  it("0f 03 c1 lsl eax,ecx: ecx=0x10 (limit 0xfffff, G=1) → eax = 0xffffffff, ZF=1", () => {
    const { cpu } = pm([0xb9, 0x10, 0, 0, 0, 0x0f, 0x03, 0xc1]);
    runToHalt(cpu, 100);
    expect(cpu.regs[0] >>> 0).toBe(0xffffffff);
    expect(getEflags(cpu) & Eflags.ZF).toBe(Eflags.ZF);
  });
  it("0f 02 c1 lar eax,ecx at CPL 3: ecx=0x10 (DPL 0) → ZF=0, eax unchanged", () => {
    const { cpu, mem } = makeCpu();
    setupPm(cpu, mem);
    load(mem, CODE, [0xb8, 0x78, 0x56, 0x34, 0x12, 0xb9, 0x10, 0, 0, 0, 0x0f, 0x02, 0xc1, 0xf4]);
    enterRing3(cpu, CODE);
    runToStub(cpu, mem, true);
    expect(cpu.regs[0]).toBe(0x12345678);
    expect(getEflags(cpu) & Eflags.ZF).toBe(0);
  });
  it("0f 00 e1 verr cx / 0f 00 e9 verw cx: code 0x08 readable not writable, 0x10 writable", () => {
    const { cpu } = pm([0xb9, 0x08, 0, 0, 0, 0x0f, 0x00, 0xe1]);
    runToHalt(cpu, 100);
    expect(getEflags(cpu) & Eflags.ZF).toBe(Eflags.ZF);
    const b = pm([0xb9, 0x08, 0, 0, 0, 0x0f, 0x00, 0xe9]);
    runToHalt(b.cpu, 100);
    expect(getEflags(b.cpu) & Eflags.ZF).toBe(0);
    const c = pm([0xb9, 0x10, 0, 0, 0, 0x0f, 0x00, 0xe9]);
    runToHalt(c.cpu, 100);
    expect(getEflags(c.cpu) & Eflags.ZF).toBe(Eflags.ZF);
  });
  it("63 c8 arpl ax,cx: ax=0x10 cx=0x3 → ax=0x13 ZF=1; again → ZF=0", () => {
    const { cpu } = pm([0x66, 0xb8, 0x10, 0, 0x66, 0xb9, 3, 0, 0x63, 0xc8]);
    runToHalt(cpu, 100);
    expect(cpu.regs[0] & 0xffff).toBe(0x13);
    expect(getEflags(cpu) & Eflags.ZF).toBe(Eflags.ZF);
  });
  it("66 0f 01 15 lgdt (16-bit operand size): base bytes 78 56 34 12 → GDTR base 0x345678 (24 bits)", () => {
    const { cpu, mem } = pm([0x66, 0x0f, 0x01, 0x15, 0x00, 0x50, 0, 0]);
    mem.bytes.set([0xff, 0x00, 0x78, 0x56, 0x34, 0x12], 0x5000);
    runToHalt(cpu, 100);
    expect([cpu.gdtrLimit, cpu.gdtrBase]).toEqual([0xff, 0x345678]);
  });
  it("0f 01 0d sidt [0x5000] → limit then the 32-bit base", () => {
    const { cpu, mem } = pm([0x0f, 0x01, 0x0d, 0x00, 0x50, 0, 0]);
    runToHalt(cpu, 100);
    expect([mem.view.getUint16(0x5000, true), u32(mem, 0x5002)]).toEqual([0x7ff, IDT]);
  });
  it("0f 01 f0 lmsw ax: ax=0 in protected mode → PE stays 1; 0f 01 e0 smsw eax reads CR0", () => {
    const { cpu } = pm([0x31, 0xc0, 0x0f, 0x01, 0xf0, 0x0f, 0x01, 0xe0]);
    runToHalt(cpu, 100);
    expect(cpu.cr0 & 1).toBe(1);
    expect(cpu.regs[0]).toBe(cpu.cr0);
  });
  it("0f 00 d8 ltr ax: ax=0x38 (available 32-bit TSS) → TR loaded, descriptor marked busy", () => {
    const { cpu, mem } = pm([0x66, 0xb8, 0x38, 0, 0x0f, 0x00, 0xd8]);
    setGdt(mem, 0x38, descriptor(0x14000, 0x67, 0x89, 0));
    runToHalt(cpu, 100);
    expect([cpu.segSel[Seg.TR], cpu.segBase[Seg.TR], cpu.segLimit[Seg.TR]]).toEqual([0x38, 0x14000, 0x67]);
    expect(mem.bytes[GDT + 0x38 + 5]).toBe(0x8b);
  });
});

describe("more privilege rules", () => {
  it("cd 41 int 0x41 from CPL 3 with a TSS limit of 0x05 (no room for SS0:ESP0) → #TS(TR selector|EXT=0 → 0x28)", () => {
    const { cpu, mem } = ring3([0xcd, 0x41], (mem) => put(mem, IDT + 0x41 * 8, gateDescriptor(KCODE, STUBS + 0x41 * 16, 0xee)));
    cpu.setSegCache(Seg.TR, 0x28, TSS, 0x05, cpu.segAttr[Seg.TR]);
    // The #TS itself needs the ring-0 stack too: deliver it through a task gate.
    setGdt(mem, 0x38, descriptor(0x14000, 0x67, 0x89, 0));
    put(mem, IDT + 10 * 8, gateDescriptor(0x38, 0, 0x85));
    mem.view.setUint32(0x14000 + 0x20, STUBS + 10 * 16, true);
    mem.view.setUint32(0x14000 + 0x24, 2, true);
    mem.view.setUint32(0x14000 + 0x38, 0x88000, true);
    for (const [off, sel] of [[0x48, KDATA], [0x4c, KCODE], [0x50, KDATA], [0x54, KDATA]]) mem.view.setUint32(0x14000 + off, sel, true);
    runToHalt(cpu, 100);
    expect(cpu.eip).toBe(STUBS + 10 * 16 + 1);
    expect(u32(mem, 0x88000 - 4)).toBe(0x28);
    expect(u32(mem, TSS + 0x20)).toBe(CODE); // the INT is the faulting instruction
  });
  it("9a call 0x30:0 from CPL 3 to a conforming DPL 0 code segment → runs at CPL 3, CS.RPL 3, no stack switch", () => {
    const { cpu, mem } = ring3([0x9a, 0, 0x20, 0, 0, 0x33, 0x00], (mem) => {
      setGdt(mem, 0x30, descriptor(0, 0xfffff, 0x9e, 0xc)); // conforming readable code, DPL 0
      mem.bytes[0x2000] = 0xf4;
    });
    const f = runToStub(cpu, mem, true); // HLT at CPL 3 → #GP(0)
    expect([f.vector, f.error, f.eip, f.cs, f.esp]).toEqual([Exc.GP, 0, 0x2000, 0x33, RING3_STACK - 8]);
  });
  it("ea jmp 0x33:0 from CPL 3 to a non-conforming DPL 0 code segment → #GP(0x30)", () => {
    const { cpu, mem } = ring3([0xea, 0, 0x20, 0, 0, 0x33, 0x00], (mem) => setGdt(mem, 0x30, descriptor(0, 0xfffff, 0x9a, 0xc)));
    const f = runToStub(cpu, mem, true);
    expect([f.vector, f.error, f.eip]).toEqual([Exc.GP, 0x30, CODE]);
  });
});
