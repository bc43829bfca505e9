// Generated guest programs for the record/replay properties: a small real-mode or flat 32-bit
// nasm program whose main loop mixes ALU and memory work, RTC reads, RDTSC, port 0xE9 output,
// HLT idling, paging on/off (flat32) and REP string ops into a checksum in EBX, while PIT IRQ0
// and COM1 IRQ4 handlers mix ticks and received bytes into [isum]. It ends through port 0xF4
// (code = BL ^ [isum]) after `iterations` rounds, or as soon as a round sees that the
// terminator byte arrived. Assembled by nasm at test time (cached by source text).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { EntryState } from "../../src/vmx/machine.js";

export type Work =
  | { op: "alu"; ops: [number, number][] }
  | { op: "mem"; slot: number; n: number }
  | { op: "rtc"; reg: number }
  | { op: "rdtsc" }
  | { op: "e9" }
  | { op: "hlt" }
  | { op: "paging"; on: boolean }
  | { op: "rep"; kind: "movsb" | "movsd" | "stosb" | "stosd"; count: number }
  | { op: "poll" };

export interface GuestProgram {
  mode: "real16" | "flat32";
  nsPerInstruction: number;
  /** PIT channel 0 periodic (mode 2 or 3) with this divisor, IRQ0 unmasked; null: PIT untouched. */
  pit: { divisor: number; mode: 2 | 3 } | null;
  /**
   * COM1: "irq" = receive interrupts (IRQ4) with FIFO control `fcr` (0 = 16450 mode, one byte);
   * "poll" = FIFO `fcr`, no interrupts, the loop's `poll` items read LSR/RBR; "none" = untouched.
   */
  serial: { kind: "irq" | "poll"; fcr: number; echo: boolean } | { kind: "none" };
  terminator: number;
  iterations: number;
  body: Work[];
}

// ---- generation ----

const ALU_OPS = 10;

const arbWork = (mode: GuestProgram["mode"]): fc.Arbitrary<Work> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant("alu" as const), ops: fc.array(fc.tuple(fc.nat({ max: ALU_OPS - 1 }), fc.nat({ max: 0x7fffffff })), { minLength: 1, maxLength: 12 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("mem" as const), slot: fc.nat({ max: 63 }), n: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("rtc" as const), reg: fc.constantFrom(0, 2, 4, 6, 7, 8, 9, 0x0a, 0x0b, 0x0c, 0x0d, 0x32) }) },
    { weight: 2, arbitrary: fc.constant({ op: "rdtsc" as const }) },
    { weight: 2, arbitrary: fc.constant({ op: "e9" as const }) },
    { weight: 3, arbitrary: fc.constant({ op: "hlt" as const }) },
    { weight: mode === "flat32" ? 2 : 0, arbitrary: fc.record({ op: fc.constant("paging" as const), on: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("rep" as const), kind: fc.constantFrom("movsb" as const, "movsd" as const, "stosb" as const, "stosd" as const), count: fc.integer({ min: 0, max: 1024 }) }) },
    { weight: 2, arbitrary: fc.constant({ op: "poll" as const }) },
  );

export const arbProgram: fc.Arbitrary<GuestProgram> = fc.constantFrom("flat32" as const, "real16" as const).chain((mode) =>
  fc.record({
    mode: fc.constant(mode),
    nsPerInstruction: fc.constantFrom(1, 7, 50),
    pit: fc.option(fc.record({ divisor: fc.integer({ min: 2, max: 400 }), mode: fc.constantFrom(2 as const, 3 as const) }), { freq: 4 }),
    serial: fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("irq" as const), fcr: fc.constantFrom(0x00, 0x07, 0x47, 0x87, 0xc7), echo: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("poll" as const), fcr: fc.constantFrom(0x00, 0x07, 0xc7), echo: fc.boolean() }) },
      { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
    ),
    terminator: fc.constantFrom(0x2e, 0x0a, 0x00),
    iterations: fc.integer({ min: 1, max: 24 }),
    body: fc.array(arbWork(mode), { minLength: 1, maxLength: 10 }),
  }),
);

// ---- source ----

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

function aluLine([k, imm]: [number, number]): string {
  switch (k) {
    case 0: return `add ebx, ${hex(imm)}`;
    case 1: return `imul ebx, ebx, ${hex(imm | 1)}`;
    case 2: return `xor ebx, ${hex(imm)}`;
    case 3: return `rol ebx, ${imm % 31 + 1}`;
    case 4: return `mov ecx, ${hex(imm)}\n  sub ebx, ecx\n  adc ebx, 0`;
    case 5: return `mov ecx, ${(imm % 31) + 1}\n  shl ebx, cl\n  xor ebx, ${hex(imm)}`;
    case 6: return `mov eax, ebx\n  xor edx, edx\n  mov ecx, ${hex((imm | 1) & 0xffff)}\n  div ecx\n  add ebx, edx`;
    case 7: return `bswap ebx\n  not ebx`;
    case 8: return `lea ebx, [ebx + ebx * 4 + ${imm & 0xfff}]`;
    default: return `test ebx, ${hex(imm)}\n  setnz cl\n  movzx ecx, cl\n  add ebx, ecx`;
  }
}

interface Layout {
  org: number; stackTop: number; scratch: number; src: number; dst: number;
  /** Bytes of one REP operand area (the count is scaled to fit it). */
  area: number;
}

const LAYOUT: Record<GuestProgram["mode"], Layout> = {
  flat32: { org: 0x100000, stackTop: 0x1f0000, scratch: 0x280000, src: 0x200000, dst: 0x23e000, area: 0x10000 },
  real16: { org: 0x7c00, stackTop: 0x7c00, scratch: 0xe000, src: 0xa000, dst: 0xb800, area: 0x1000 },
};
const PD = 0x300000, PT = 0x301000;
const COM1 = 0x3f8;

function workLines(w: Work, p: GuestProgram, L: Layout, n: number): string[] {
  const out: string[] = [];
  switch (w.op) {
    case "alu":
      for (const o of w.ops) out.push(aluLine(o));
      break;
    case "mem":
      // A run of `n` dwords at a slot of the scratch area, read-modify-written, summed back.
      out.push(`mov esi, ${hex(L.scratch + w.slot * 64)}`);
      for (let i = 0; i < w.n; i++) out.push(`add [esi + ${i * 4}], ebx`, `rol ebx, 7`, `xor ebx, [esi + ${((i * 5) % 16) * 4}]`);
      break;
    case "rtc":
      out.push(`mov al, ${hex(w.reg)}`, "out 0x70, al", "in al, 0x71", "movzx eax, al", "add ebx, eax", "rol ebx, 3");
      break;
    case "rdtsc":
      out.push("rdtsc", "xor ebx, eax", "rol ebx, 5", "add ebx, edx");
      break;
    case "e9":
      out.push("mov eax, ebx", "shr eax, 4", "and al, 0x0f", "add al, 'a'", "out 0xe9, al");
      break;
    case "hlt":
      out.push("sti", "hlt");
      break;
    case "paging":
      out.push("mov eax, cr0", w.on ? "or eax, 0x80000000" : "and eax, 0x7fffffff", "mov cr0, eax", "add ebx, [esp]");
      break;
    case "rep": {
      const unit = w.kind.endsWith("d") ? 4 : 1;
      const count = Math.min(w.count, Math.floor(L.area / unit));
      out.push("cld", `mov esi, ${hex(L.src)}`, `mov edi, ${hex(L.dst)}`, "mov eax, ebx", `mov ecx, ${count}`);
      out.push(p.mode === "real16" ? `a32 rep ${w.kind}` : `rep ${w.kind}`);
      out.push(`add ebx, [${hex(L.dst + ((n * 36) % L.area & ~3))}]`, `inc dword [${hex(L.src + ((n * 20) % L.area & ~3))}]`);
      break;
    }
    case "poll":
      out.push(
        `mov dx, ${hex(COM1 + 5)}`, "in al, dx", "test al, 1", `jz .np${n}`, `mov dx, ${hex(COM1)}`, "in al, dx",
        "call take_byte", `.np${n}:`,
      );
      break;
  }
  return out;
}

/** The nasm source of `p`. */
export function guestSource(p: GuestProgram): string {
  const L = LAYOUT[p.mode];
  const flat = p.mode === "flat32";
  const irqBase = flat ? 0x20 : 0x08;
  const serialIrq = p.serial.kind === "irq";
  const mask = 0xff & ~(p.pit ? 1 : 0) & ~(serialIrq ? 0x10 : 0);
  const iret = flat ? "iretd" : "iret";
  const lines: string[] = [];
  const emit = (...l: string[]) => lines.push(...l.map((x) => (x.endsWith(":") || x.startsWith("%") || x.startsWith("bits") || x.startsWith("org") || x.startsWith("align") ? x : `  ${x}`)));
  emit(flat ? "bits 32" : "bits 16", `org ${hex(L.org)}`, "start:", "cli");
  if (flat) {
    emit("lgdt [gdtr]", "jmp 0x08:.reload", ".reload:", "mov ax, 0x10", "mov ds, ax", "mov es, ax", "mov ss, ax", "mov fs, ax", "mov gs, ax",
      `mov esp, ${hex(L.stackTop)}`, "lidt [idtr]");
    if (p.body.some((w) => w.op === "paging")) {
      emit(`mov edi, ${hex(PT)}`, "mov eax, 3", "mov ecx, 1024", ".pt:", "stosd", "add eax, 0x1000", "loop .pt",
        `mov edi, ${hex(PD)}`, "xor eax, eax", "mov ecx, 1024", "rep stosd", `mov dword [${hex(PD)}], ${hex(PT | 3)}`,
        `mov eax, ${hex(PD)}`, "mov cr3, eax");
    }
  } else {
    emit("xor ax, ax", "mov ds, ax", "mov es, ax", "mov ss, ax", `mov sp, ${hex(L.stackTop)}`);
    for (let v = 0; v < 8; v++) {
      const h = v === 0 && p.pit ? "irq0" : v === 4 && serialIrq ? "com1_irq" : "spurious";
      emit(`mov word [${hex((irqBase + v) * 4)}], ${h}`, `mov word [${hex((irqBase + v) * 4 + 2)}], 0`);
    }
  }
  // 8259A master: ICW1-ICW4, vectors irqBase.., mask
  emit("mov al, 0x11", "out 0x20, al", `mov al, ${hex(irqBase)}`, "out 0x21, al", "mov al, 0x04", "out 0x21, al", "mov al, 0x01", "out 0x21, al",
    `mov al, ${hex(mask)}`, "out 0x21, al");
  if (p.pit) {
    emit(`mov al, ${hex(0x30 | (p.pit.mode << 1))}`, "out 0x43, al", `mov ax, ${p.pit.divisor}`, "out 0x40, al", "mov al, ah", "out 0x40, al");
  }
  if (p.serial.kind !== "none") {
    // 115200 8N1, FIFO control, OUT2 + DTR + RTS, receive-data interrupt if IRQ-driven
    emit(`mov dx, ${hex(COM1 + 3)}`, "mov al, 0x80", "out dx, al", `mov dx, ${hex(COM1)}`, "mov al, 1", "out dx, al", "inc dx", "xor al, al", "out dx, al",
      `mov dx, ${hex(COM1 + 3)}`, "mov al, 0x03", "out dx, al", `mov dx, ${hex(COM1 + 2)}`, `mov al, ${hex(p.serial.fcr)}`, "out dx, al",
      `mov dx, ${hex(COM1 + 4)}`, "mov al, 0x0b", "out dx, al", `mov dx, ${hex(COM1 + 1)}`, `mov al, ${serialIrq ? 1 : 0}`, "out dx, al");
  }
  emit("xor ebx, ebx", `mov dword [isum], 0`, "mov byte [done], 0", `mov dword [rounds], ${p.iterations}`, "sti");
  emit("main:");
  p.body.forEach((w, i) => emit(`; ${w.op}`, ...workLines(w, p, L, i)));
  emit("cmp byte [done], 0", "jne finish", "dec dword [rounds]", "jnz main");
  emit("finish:", "cli", "mov al, bl", "xor al, [isum]", "out 0xf4, al", "hlt");
  // IRQ0: count ticks, mix the TSC into isum
  emit("irq0:", "push eax", "push edx", "rdtsc", "add [isum], eax", "rol dword [isum], 1", "inc dword [ticks]", "mov al, 0x20", "out 0x20, al", "pop edx", "pop eax", iret);
  // IRQ4: drain the receiver
  emit("com1_irq:", "push eax", "push edx", ".next:", `mov dx, ${hex(COM1 + 5)}`, "in al, dx", "test al, 1", "jz .out", `mov dx, ${hex(COM1)}`, "in al, dx",
    "call take_byte", "jmp .next", ".out:", "mov al, 0x20", "out 0x20, al", "pop edx", "pop eax", iret);
  // take_byte: AL = a received byte (DX = COM1 data port)
  const echo = p.serial.kind !== "none" && p.serial.echo;
  emit("take_byte:", `cmp al, ${hex(p.terminator)}`, "jne .mix", "mov byte [done], 1", ".mix:", "push eax", "movzx eax, al", "add [isum], eax", "rol dword [isum], 3",
    "pop eax", ...(echo ? ["out dx, al"] : []), "ret");
  emit("spurious:", "push eax", "mov al, 0x20", "out 0x20, al", "pop eax", iret);
  if (flat) {
    // exceptions: report on port 0xE9 and exit with code 0x7e
    emit("fault:", "mov al, '!'", "out 0xe9, al", "mov al, 0x7e", "out 0xf4, al", "hlt");
    emit("align 8", "gdt:", "dq 0", "dq 0x00cf9a000000ffff", "dq 0x00cf92000000ffff", "gdtr:", "dw gdtr - gdt - 1", "dd gdt", "align 8", "idt:");
    const gate = (h: string) => `dw (${h} - $$ + ${hex(L.org)}) & 0xffff, 0x08, 0x8e00, (${h} - $$ + ${hex(L.org)}) >> 16`;
    emit("%rep 0x20", gate("fault"), "%endrep", "; IRQ 0-15");
    for (let v = 0; v < 16; v++) emit(gate(v === 0 && p.pit ? "irq0" : v === 4 && serialIrq ? "com1_irq" : "spurious"));
    emit("idtr:", "dw idtr - idt - 1", "dd idt");
  }
  emit("align 4", "isum: dd 0", "ticks: dd 0", "rounds: dd 0", "done: db 0");
  return lines.join("\n") + "\n";
}

export function guestEntry(p: GuestProgram): { loadAddress: number; entry: EntryState; memBytes: number } {
  return p.mode === "flat32"
    ? { loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 }, memBytes: 4 << 20 }
    : { loadAddress: 0x7c00, entry: { mode: "real16", cs: 0, ip: 0x7c00 }, memBytes: 1 << 20 };
}

const cache = new Map<string, Uint8Array>();
let scratchDir: string | undefined;

/** nasm -f bin of `src` (cached by source text). */
export function assemble(src: string): Uint8Array {
  const hit = cache.get(src);
  if (hit) return hit;
  scratchDir ??= mkdtempSync(join(tmpdir(), "x86rr-props-"));
  const asm = join(scratchDir, "g.asm"), bin = join(scratchDir, "g.bin");
  writeFileSync(asm, src);
  try {
    execFileSync("nasm", ["-f", "bin", "-o", bin, asm], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    throw new Error(`nasm rejected a generated program: ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}\n${src}`);
  }
  const bytes = new Uint8Array(readFileSync(bin));
  cache.set(src, bytes);
  return bytes;
}

export function removeScratch(): void {
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  scratchDir = undefined;
}
