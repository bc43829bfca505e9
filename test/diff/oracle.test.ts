// The differential oracle itself: the host runner reports SDM-stated results and the signals
// Linux sends for each exception, the emulator side maps its exceptions the same way, and
// compare() notices a difference.

import { describe, expect, it } from "vitest";
import { compare } from "./check.js";
import { runOnEmu } from "./emu.js";
import { CODE_ADDR, DEFAULT_ESP, DiffCase, runOnHost, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, STACK_ADDR } from "./hostcpu.js";
import { CF, COMPARED, ZF } from "./masks.js";
import { assembleBatch } from "./snippets.js";

const regs = (eax: number, ecx = 0, ebx = 0) => [eax, ecx, 0, ebx, DEFAULT_ESP, 0, 0, 0];
const mk = (bytes: number[], r: number[], eflags = 0): DiffCase => ({ code: Uint8Array.from(bytes), regs: r, eflags });

describe("host runner", () => {
  const [add, div0, ud2, pf, pushes, int3] = runOnHost([
    mk([0x01, 0xd8], regs(1, 0, 0xffffffff)), // add eax, ebx
    mk([0xf7, 0xf1], regs(5, 0)), // div ecx with ecx = 0
    mk([0x0f, 0x0b], regs(0)), // ud2
    mk([0x90, 0x8b, 0x05, 0x00, 0x00, 0x50, 0x00], regs(0)), // nop; mov eax, [0x500000]
    mk([0x50, 0x53], regs(0x11223344, 0, 0x55667788)), // push eax; push ebx
    mk([0xcc], regs(0)), // int3
  ]);
  it("01 d8 add eax,ebx: 1 + 0xffffffff → eax 0, CF=1 ZF=1, EIP at the snippet end", () => {
    expect(add.signal).toBe(0);
    expect(add.regs[0]).toBe(0);
    expect(add.eflags & (CF | ZF)).toBe(CF | ZF);
    expect(add.eip).toBe(CODE_ADDR + 2);
  });
  it("f7 f1 div ecx with ecx=0 → SIGFPE from vector 0 (#DE) at the DIV, registers unchanged", () => {
    expect([div0.signal, div0.trapno, div0.eip, div0.regs[0]]).toEqual([SIGFPE, 0, CODE_ADDR, 5]);
  });
  it("0f 0b ud2 → SIGILL from vector 6 (#UD)", () => {
    expect([ud2.signal, ud2.trapno, ud2.eip]).toEqual([SIGILL, 6, CODE_ADDR]);
  });
  it("8b 05 mov eax,[0x500000] (unmapped) → SIGSEGV from vector 14 with the fault address", () => {
    expect([pf.signal, pf.trapno, pf.faultAddr, pf.eip]).toEqual([SIGSEGV, 14, 0x500000, CODE_ADDR + 1]);
  });
  it("50 53 push eax; push ebx → both values in the dumped stack page, ESP down by 8", () => {
    expect(pushes.regs[4]).toBe(DEFAULT_ESP - 8);
    const v = new DataView(pushes.stack.buffer);
    expect(v.getUint32(DEFAULT_ESP - STACK_ADDR - 4, true)).toBe(0x11223344);
    expect(v.getUint32(DEFAULT_ESP - STACK_ADDR - 8, true)).toBe(0x55667788);
  });
  it("cc int3 → SIGTRAP from vector 3 with EIP after the instruction", () => {
    expect([int3.signal, int3.trapno, int3.eip]).toEqual([SIGTRAP, 3, CODE_ADDR + 1]);
  });
});

describe("emulator side and comparison", () => {
  const cases = [
    mk([0x01, 0xd8], regs(1, 0, 0xffffffff)),
    mk([0x0f, 0x0b], regs(0)),
    mk([0x90, 0x03, 0x05, 0x00, 0x00, 0x50, 0x00], regs(0)), // nop; add eax, [0x500000]
  ];
  const host = runOnHost(cases);
  const masks = { mask: COMPARED, faultMask: COMPARED };
  it("add / ud2 / #PF on an unmapped page: emulator outcome equals the host's", () => {
    cases.forEach((c, i) => expect(compare(host[i], runOnEmu(c), masks)).toEqual([]));
    expect(runOnEmu(cases[2]).faultAddr).toBe(0x500000);
  });
  it("a register, flag or memory byte that differs is reported", () => {
    const e = runOnEmu(cases[0]);
    e.regs[2] ^= 1;
    e.eflags ^= CF;
    e.stack[5] ^= 0x80;
    const d = compare(host[0], e, masks);
    expect(d.some((l) => l.startsWith("edx:"))).toBe(true);
    expect(d.some((l) => l.startsWith("eflags"))).toBe(true);
    expect(d.some((l) => l.startsWith("stack [00130005..+1]"))).toBe(true);
  });
  it("nasm batch assembly splits snippets at their labels", () => {
    expect(assembleBatch([["add eax, ebx"], ["ud2", "nop"]]).map((b) => Array.from(b))).toEqual([[0x01, 0xd8], [0x0f, 0x0b, 0x90]]);
  });
});
