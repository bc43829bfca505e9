// Guests for the snapshot tests: the bundled ones, and a generated one with PIT interrupts, I/O
// to the debug console, paging, a long REP MOVSD and HLT waits.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import { Machine, type EntryState, type RunEnd } from "../../src/vmx/machine.js";

export interface GuestImage {
  name: string;
  bytes: Uint8Array;
  loadAddress: number;
  entry: EntryState;
  memBytes: number;
}

/** A machine whose COM1 and port 0xE9 output are collected into `out` (as "S:" / "E:" tagged text). */
export class Rig {
  readonly m: Machine;
  out = "";
  constructor(readonly g: GuestImage, load = true) {
    this.m = new Machine({
      memBytes: g.memBytes,
      onSerial: (b) => { this.out += `S${String.fromCharCode(b)}`; },
      onDebugConsole: (b) => { this.out += `E${String.fromCharCode(b)}`; },
    });
    if (load) {
      this.m.loadBytes(g.loadAddress, g.bytes);
      this.m.enter(g.entry);
    }
  }
  /** Runs `n` instructions (or to the guest's end); returns how it ended and the output it produced. */
  run(n: number): { end: RunEnd; out: string } {
    const before = this.out.length;
    const end = this.m.run(n);
    return { end, out: this.out.slice(before) };
  }
}

export function bundled(name: string): GuestImage {
  const g = findGuest(name)!;
  return { name, bytes: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes };
}

export function assemble(src: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-snap-"));
  try {
    writeFileSync(join(dir, "g.asm"), src);
    execFileSync("nasm", ["-f", "bin", "-o", join(dir, "g.bin"), join(dir, "g.asm")]);
    return new Uint8Array(readFileSync(join(dir, "g.bin")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * nasm: 4 KiB paging on, the first 4 MiB identity-mapped present + writable (PTEs without A/D),
 * with the page directory at PD and the page table at PT (the guest defines both with equ).
 */
export const PAGING_IDENTITY_4M = `  ; page table: identity map of 4 MiB, present + writable
  mov edi, PT
  mov eax, 3
  mov ecx, 1024
.pt:
  stosd
  add eax, 0x1000
  loop .pt
  mov edi, PD
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov dword [PD], PT | 3
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax`;

export interface TimerGuestParams {
  /** PIT channel 0 divisor (mode 2): a tick every divisor / 1.193182 µs of guest time. */
  divisor: number;
  /** Dwords REP MOVSD copies per round. */
  copyDwords: number;
  /** Pages written per round. */
  touchPages: number;
  /** The guest exits after this many ticks. */
  ticks: number;
}

/**
 * Flat 32-bit guest at 0x100000 (4 MiB RAM): own GDT and IDT, 8259A remapped to 0x20 with only
 * IRQ0 unmasked, PIT channel 0 in mode 2, 4 KiB paging over the first 4 MiB. Each round writes
 * a tick-dependent dword into `touchPages` pages, REP MOVSDs a block, prints one letter on
 * port 0xE9, and HLTs until the next tick. The IRQ0 handler counts ticks and logs RDTSC.
 * Exits through port 0xF4 after `ticks` ticks.
 */
export function timerGuest(p: TimerGuestParams): GuestImage {
  const src = `
bits 32
org 0x100000
PD    equ 0x300000
PT    equ 0x301000
SRC   equ 0x200000
DST   equ 0x240000
TOUCH equ 0x280000
start:
  lgdt [gdtr]
  jmp 0x08:reload
reload:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov fs, ax
  mov gs, ax
  mov esp, 0x1f0000
  lidt [idtr]
${PAGING_IDENTITY_4M}
  ; 8259A master: ICW1-4, vectors 0x20-0x27, IRQ0 only
  mov al, 0x11
  out 0x20, al
  mov al, 0x20
  out 0x21, al
  mov al, 0x04
  out 0x21, al
  mov al, 0x01
  out 0x21, al
  mov al, 0xfe
  out 0x21, al
  ; PIT channel 0, lobyte/hibyte, mode 2
  mov al, 0x34
  out 0x43, al
  mov ax, ${p.divisor}
  out 0x40, al
  mov al, ah
  out 0x40, al
  fninit
  fld1
  sti
main:
  mov ebx, [ticks]
  mov edi, TOUCH
  mov ecx, ${p.touchPages}
.touch:
  mov [edi], ebx
  add [edi + 4], ecx
  add edi, 4096
  loop .touch
  mov esi, SRC
  mov edi, DST
  mov ecx, ${p.copyDwords}
  cld
  rep movsd
  fadd st0, st0
  fst qword [fsum]
  mov eax, [ticks]
  xor edx, edx
  mov ecx, 26
  div ecx
  lea eax, [edx + 'a']
  out 0xe9, al
  inc dword [SRC + 4 * ${p.copyDwords - 1}]
  hlt
  cmp dword [ticks], ${p.ticks}
  jb main
  mov al, 0
  out 0xf4, al
  cli
  hlt

irq0:
  push eax
  push edx
  push edi
  mov edi, [ticks]
  and edi, 63
  rdtsc
  mov [tsclog + edi * 4], eax
  inc dword [ticks]
  mov al, 0x20
  out 0x20, al
  pop edi
  pop edx
  pop eax
  iretd

align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
gdtr:
  dw gdtr - gdt - 1
  dd gdt
align 8
idt:
  times 0x20 dq 0
%assign v 0x20
%rep 16
  dw (irq0 - $$ + 0x100000) & 0xffff
  dw 0x08
  dw 0x8e00
  dw (irq0 - $$ + 0x100000) >> 16
%assign v v+1
%endrep
idtr:
  dw idtr - idt - 1
  dd idt
align 8
fsum: dq 0
ticks: dd 0
tsclog: times 64 dd 0
`;
  return { name: `timer(${JSON.stringify(p)})`, bytes: assemble(src), loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 }, memBytes: 4 << 20 };
}
