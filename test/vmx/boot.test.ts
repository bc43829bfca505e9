// applyPlan: a loader's plan run on the whole Machine (devices, VMM), not the bare interpreter.
import { describe, expect, it } from "vitest";
import { Desc, Seg } from "../../src/cpu/constants.js";
import { loadMultiboot } from "../../src/loaders/multiboot.js";
import { applyPlan, APIC_E820 } from "../../src/vmx/boot.js";
import { Machine } from "../../src/vmx/machine.js";
import { nasmElf } from "../loaders/apply.js";

const MEM = 16 << 20;

// Multiboot 0.6.96 3.2: EAX = 0x2BADB002, EBX = physical address of the info structure; info
// offset 8 is mem_upper (KiB above 1 MiB). The kernel writes "MB" and mem_upper's low byte to the
// debug console (0xE9), reloads DS from the loader's GDT, then exits through port 0xF4 with
// value 7 when EAX held the magic (else 1).
const KERNEL = `bits 32
section .text
align 4
dd 0x1BADB002, 3, -(0x1BADB002 + 3)
global start
start:
  mov esi, eax
  mov al, 'M'
  out 0xe9, al
  mov al, 'B'
  out 0xe9, al
  mov eax, [ebx+8]
  shr eax, 10
  out 0xe9, al
  mov ax, ds
  mov ds, ax
  cmp esi, 0x2BADB002
  jne bad
  mov al, 7
  out 0xf4, al
bad:
  mov al, 1
  out 0xf4, al
`;
const LDS = "ENTRY(start) SECTIONS { . = 0x100000; .text : { *(.text) } }";

describe("applyPlan", () => {
  it("multiboot ELF: EAX magic, EBX info, mem_upper = 15 MiB, DS reload from the plan's GDT → exit 7 after 'MB\\x0f'", () => {
    const { bytes } = nasmElf(KERNEL, LDS);
    const out: number[] = [];
    const m = new Machine({ memBytes: MEM, onDebugConsole: (b) => out.push(b) });
    applyPlan(m, loadMultiboot("k.elf", bytes, { memBytes: MEM, reservedE820: APIC_E820 }));
    expect(m.cpu.code32).toBe(true);
    expect(m.cpu.segAttr[Seg.CS] & Desc.DB).toBe(Desc.DB);
    const end = m.run(1000);
    expect(out).toEqual([0x4d, 0x42, 15]);
    expect(end).toEqual({ kind: "exit", code: (7 << 1) | 1 });
  });
});
