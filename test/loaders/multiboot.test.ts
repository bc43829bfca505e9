import { describe, expect, it } from "vitest";
import { EAX, EBX, ECX, EDX, EDI, ESI } from "../../src/cpu/constants.js";
import { parseElf32 } from "../../src/loaders/elf.js";
import { ImageError } from "../../src/loaders/image-error.js";
import { findMultibootHeader, loadMultiboot } from "../../src/loaders/multiboot.js";
import { PlacementError, type LoadPlan } from "../../src/loaders/plan.js";
import { runToHalt } from "../cpu/harness.js";
import { applyPlan, nasmBin, nasmElf, planByte, planBytes, u32, u64 } from "./apply.js";

// Multiboot Specification 0.6.96: header 3.1.1/3.1.2, machine state 3.2, boot information 3.3.
const MiB = 1 << 20;
const MEM = 16 * MiB;

const errorOf = (f: () => unknown): Error => {
  try { f(); } catch (e) { return e as Error; }
  throw new Error("no error thrown");
};
const cstr = (p: LoadPlan, at: number): string => {
  let s = "";
  for (let a = at; planByte(p, a) !== 0; a++) s += String.fromCharCode(planByte(p, a)!);
  return s;
};

// A higher-half ELF kernel: linked at 0xC0100000, loaded at 0x100000 (AT), with .data and .bss.
// The code uses only relative jumps and register-based addressing, so it runs at its physical address.
const ELF_SRC = `bits 32
section .text
align 4
mb_header: dd 0x1BADB002, 3, -(0x1BADB002 + 3)
global start
start:
  mov esi, [ebx+4]
  mov edi, [ebx+8]
  mov ecx, [ebx+64]
  mov ecx, [ecx]
  mov edx, [ebx+24]
  mov edx, [edx]
  mov edx, [edx]
  hlt
section .data
  dd 0x11223344
section .bss
  resb 0x3000
`;
const ELF_LDS = `ENTRY(start)
SECTIONS {
  . = 0xC0100000;
  .text : AT(0x100000) { *(.text) }
  .data ALIGN(0x1000) : AT(ADDR(.data) - 0xC0000000) { *(.data) }
  .bss : AT(ADDR(.bss) - 0xC0000000) { *(.bss) }
}`;

/** LOAD rows of `readelf -lW`: [offset, vaddr, paddr, filesz, memsz]. */
function readelfLoads(out: string): number[][] {
  return out.split("\n").filter((l) => /^\s+LOAD\s/.test(l)).map((l) => l.trim().split(/\s+/).slice(1, 6).map((x) => parseInt(x, 16)));
}

describe("ELF32 parsing against readelf", () => {
  const { bytes, readelf } = nasmElf(ELF_SRC, ELF_LDS);
  it("PT_LOAD offset/vaddr/paddr/filesz/memsz equal readelf -lW's LOAD rows", () => {
    const elf = parseElf32("kernel.elf", bytes);
    expect(elf.loads.map((s) => [s.offset, s.vaddr, s.paddr, s.filesz, s.memsz])).toEqual(readelfLoads(readelf));
    expect(elf.entry).toBe(parseInt(/Entry point address:\s+0x([0-9a-f]+)/.exec(readelf)![1], 16));
  });
  it("segment whose p_offset+p_filesz passes the file end → ImageError at that program header's p_offset", () => {
    const b = bytes.slice();
    const v = new DataView(b.buffer);
    const phoff = v.getUint32(0x1c, true);
    v.setUint32(phoff + 4, b.length, true);
    const filesz = v.getUint32(phoff + 16, true);
    const e = errorOf(() => parseElf32("kernel.elf", b));
    expect(e).toBeInstanceOf(ImageError);
    expect(e.message).toBe(`kernel.elf: offset 0x${(phoff + 4).toString(16)}: expected segment 0 inside the file (p_offset 0x${b.length.toString(16)} + p_filesz 0x${filesz.toString(16)} ≤ 0x${b.length.toString(16)}), found end 0x${(b.length + filesz).toString(16)}`);
  });
  it("program header table past the end (e_phoff = file length) → ImageError naming e_phoff", () => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint32(0x1c, b.length, true);
    expect(errorOf(() => parseElf32("kernel.elf", b)).message).toMatch(/^kernel\.elf: offset 0x[0-9a-f]+: expected program header table \(e_phoff 0x[0-9a-f]+, \d+ × 32\) \(\d+ bytes\), found end of file at 0x[0-9a-f]+$/);
  });
  it("EI_CLASS 2 → refused at offset 4 as ELFCLASS64", () => {
    const b = bytes.slice();
    b[4] = 2;
    expect(errorOf(() => parseElf32("kernel.elf", b)).message).toBe("kernel.elf: offset 0x4: expected EI_CLASS 1 (ELFCLASS32), found 2 (ELFCLASS64)");
  });
  it("truncated to 40 bytes → ImageError: ELF header needs 52", () => {
    expect(errorOf(() => parseElf32("kernel.elf", bytes.subarray(0, 40))).message).toBe("kernel.elf: offset 0x0: expected ELF header (52 bytes), found end of file at 0x28");
  });
});

describe("multiboot ELF kernel load plan", () => {
  const { bytes, readelf } = nasmElf(ELF_SRC, ELF_LDS);
  const mod = { file: "mod.bin", bytes: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]), cmdline: "mod.bin arg=1" };
  const plan = loadMultiboot("kernel.elf", bytes, { memBytes: MEM, cmdline: "kernel.elf console=com1", modules: [mod] });
  const loads = readelfLoads(readelf);
  const infoAddr = plan.entry.regs.ebx;
  const info = (o: number) => u32(planBytes(plan, infoAddr + o, 4), 0);

  it("each PT_LOAD's file bytes land at p_paddr, memsz-filesz zero bytes after them (bss)", () => {
    for (const [off, , paddr, filesz, memsz] of loads) {
      expect(Array.from(planBytes(plan, paddr, filesz))).toEqual(Array.from(bytes.subarray(off, off + filesz)));
      if (memsz > filesz) expect(planBytes(plan, paddr + filesz, memsz - filesz).every((b) => b === 0)).toBe(true);
    }
    expect(loads.some(([, , , f, m]) => m > f)).toBe(true);
  });
  it("entry: e_entry 0xC01000xx (virtual) → physical 0x1000xx; EAX = 0x2BADB002, EBX = info; flat CS/DS, IF = 0", () => {
    const e = plan.entry;
    if (e.mode !== "flat32") throw new Error("not flat32");
    expect(e.eip).toBe(0x10000c);
    expect(e.regs.eax).toBe(0x2badb002);
    expect(e.segments.cs.selector).toBe(0x10);
    expect(e.segments.ss.selector).toBe(0x18);
    expect(e.eflags & 0x200).toBe(0);
  });
  it("info flags = mem|cmdline|mods|mmap|boot_loader_name (bits 0,2,3,6,9 = 0x24d); mem_lower 639, mem_upper 15360", () => {
    expect(info(0)).toBe(0x24d);
    expect(info(4)).toBe(639);
    expect(info(8)).toBe((MEM - MiB) / 1024);
  });
  it("cmdline and boot_loader_name \"x86rr\" are NUL-terminated strings", () => {
    expect(cstr(plan, info(16))).toBe("kernel.elf console=com1");
    expect(cstr(plan, info(64))).toBe("x86rr");
  });
  it("mmap: 3 entries of size 20 (+4), usable 0-0x9fc00, reserved 0x9fc00-1 MiB, usable 1 MiB-16 MiB", () => {
    expect(info(44)).toBe(72);
    const m = planBytes(plan, info(48), 72);
    const rows = [0, 1, 2].map((i) => [u32(m, i * 24), u64(m, i * 24 + 4), u64(m, i * 24 + 12), u32(m, i * 24 + 20)]);
    expect(rows).toEqual([[20, 0, 0x9fc00, 1], [20, 0x9fc00, 0x60400, 2], [20, 0x100000, MEM - MiB, 1]]);
  });
  it("module: page-aligned after the kernel's last byte, mod_end exclusive, string is its command line", () => {
    expect(info(20)).toBe(1);
    const m = planBytes(plan, info(24), 16);
    const kernelEnd = Math.max(...loads.map(([, , p, , ms]) => p + ms));
    const start = u32(m, 0);
    expect(start % 4096).toBe(0);
    expect(start).toBe(Math.ceil(kernelEnd / 4096) * 4096);
    expect(u32(m, 4)).toBe(start + 7);
    expect(Array.from(planBytes(plan, start, 7))).toEqual(Array.from(mod.bytes));
    expect(cstr(plan, u32(m, 8))).toBe("mod.bin arg=1");
  });
  it("applied to the interpreter, the kernel reads mem_lower/upper, the loader name and the module through EBX", () => {
    const m = applyPlan(plan, MEM);
    expect(m.cpu.regs[EAX] >>> 0).toBe(0x2badb002);
    runToHalt(m.cpu, 100);
    expect(m.cpu.regs[ESI]).toBe(639);
    expect(m.cpu.regs[EDI]).toBe(15360);
    expect(m.cpu.regs[ECX]).toBe(0x72363878); // "x86r"
    expect(m.cpu.regs[EDX] >>> 0).toBe(0xefbeadde);
    expect(m.cpu.regs[EBX]).toBe(infoAddr);
  });
});

describe("multiboot a.out kludge (flags bit 16)", () => {
  // 64 bytes before the header, text, then 32 bytes past load_end_addr that must not be loaded.
  const src = `bits 32
org 0x200000
load_start:
  times 64 db 0x90
hdr:
  dd 0x1BADB002, 0x00010001, -(0x1BADB002 + 0x00010001)
  dd hdr, load_start, load_end, bss_end, entry
entry:
  mov eax, 0x600df00d
  hlt
  dd 0x55667788
load_end:
  times 32 db 0xee
bss_end equ load_end + 0x2100
`;
  const img = nasmBin(src);
  const plan = loadMultiboot("kernel.bin", img, { memBytes: MEM });
  it("header found at file offset 0x40 with its address fields", () => {
    expect(findMultibootHeader("kernel.bin", img)).toEqual({
      offset: 0x40, flags: 0x10001,
      aout: { headerAddr: 0x200040, loadAddr: 0x200000, loadEndAddr: 0x200000 + img.length - 32, bssEndAddr: 0x200000 + img.length - 32 + 0x2100, entryAddr: 0x200060 },
    });
  });
  it("file [0, load_end-load_addr) → load_addr; bss zeroed to bss_end_addr; the 0xee tail is not loaded; entry_addr", () => {
    const loadLen = img.length - 32;
    expect(Array.from(planBytes(plan, 0x200000, loadLen))).toEqual(Array.from(img.subarray(0, loadLen)));
    expect(planBytes(plan, 0x200000 + loadLen, 0x2100).every((b) => b === 0)).toBe(true);
    expect(planByte(plan, 0x200000 + loadLen + 0x2100)).toBeUndefined();
    if (plan.entry.mode !== "flat32") throw new Error("not flat32");
    expect(plan.entry.eip).toBe(0x200060);
    const m = applyPlan(plan, MEM);
    runToHalt(m.cpu, 10);
    expect(m.cpu.regs[EAX]).toBe(0x600df00d);
  });
  it("load_end_addr 0 → loads to the end of the file", () => {
    const b = img.slice();
    new DataView(b.buffer).setUint32(0x40 + 20, 0, true);
    new DataView(b.buffer).setUint32(0x40 + 24, 0, true);
    const p = loadMultiboot("kernel.bin", b, { memBytes: MEM });
    expect(planByte(p, 0x200000 + b.length - 1)).toBe(0xee);
    expect(planByte(p, 0x200000 + b.length)).toBeUndefined();
  });
  it("load_end_addr past the file → ImageError at the header's load_end_addr field", () => {
    const b = img.slice();
    new DataView(b.buffer).setUint32(0x40 + 20, 0x200000 + b.length + 4, true);
    expect(errorOf(() => loadMultiboot("kernel.bin", b, { memBytes: MEM })).message)
      .toBe(`kernel.bin: offset 0x54: expected load_end_addr within the file (at most 0x${(0x200000 + b.length).toString(16)}), found 0x${(0x200000 + b.length + 4).toString(16)}`);
  });
});

describe("multiboot header search and refusals", () => {
  const header = (flags: number, at: number, size = 8192 + 64, sum?: number) => {
    const b = new Uint8Array(size);
    const v = new DataView(b.buffer);
    v.setUint32(at, 0x1badb002, true);
    v.setUint32(at + 4, flags, true);
    v.setUint32(at + 8, sum ?? (-(0x1badb002 + flags)) >>> 0, true);
    return b;
  };
  it("header at 8180 (ends exactly at 8192) is found; at 8184 it is not (must lie within the first 8192 bytes)", () => {
    expect(findMultibootHeader("k", header(0x10000, 8180)).offset).toBe(8180);
    expect(errorOf(() => findMultibootHeader("k", header(0x10000, 8184))).message)
      .toBe("k: offset 0x0: expected a multiboot header (magic 0x1badb002 at a 4-byte aligned offset in the first 8192 bytes), found none; the file starts with bytes 00 00 00 00");
  });
  it("magic at an unaligned offset (6) is not a header", () => {
    expect(() => findMultibootHeader("k", header(0x10000, 6))).toThrow(ImageError);
  });
  it("checksum off by one → ImageError at the checksum field with the sum", () => {
    expect(errorOf(() => findMultibootHeader("k", header(0, 16, 8192, ((-0x1badb002) + 1) >>> 0))).message)
      .toBe("k: offset 0x18: expected a checksum making magic + flags + checksum = 0, found sum 0x1");
  });
  it("flags bit 2 (video mode) → refused: no framebuffer", () => {
    expect(errorOf(() => findMultibootHeader("k", header(0x4, 0))).message)
      .toBe("k: offset 0x4: expected no video mode request (flags bit 2): x86rr has no framebuffer, found flags 0x4");
  });
  it("required flag bit 3 → refused naming the bit; optional bit 17 is ignored", () => {
    expect(errorOf(() => findMultibootHeader("k", header(0x8, 0))).message)
      .toBe("k: offset 0x4: expected required flag bits (0-15) limited to 0 (page align) and 1 (memory info); 3-15 are undefined in Multiboot 0.6.96, found flags 0x8, unknown bit 3");
    expect(findMultibootHeader("k", header(0x30000, 0)).flags).toBe(0x30000);
  });
  it("not ELF and no address fields → ImageError at the flags", () => {
    expect(errorOf(() => loadMultiboot("k", header(0x3, 0), { memBytes: MEM })).message)
      .toBe("k: offset 0x4: expected flags bit 16 (address fields) for a kernel that is not ELF, found flags 0x3 and bytes 02 b0 ad 1b");
  });
  it("a.out kernel loaded over the info block at 0x6000 → PlacementError naming both", () => {
    const img = nasmBin(`bits 32
org 0x6000
hdr: dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
  dd hdr, hdr, 0, 0, hdr
  hlt`);
    const e = errorOf(() => loadMultiboot("low.bin", img, { memBytes: MEM }));
    expect(e).toBeInstanceOf(PlacementError);
    expect(e.message).toMatch(/^low\.bin: (multiboot information at 0x6000 overlaps kernel text\+data|kernel text\+data at 0x6000 overlaps multiboot information)/);
  });
  it("a.out kernel ending past RAM → PlacementError", () => {
    const img = nasmBin(`bits 32
org 0xfff000
hdr: dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
  dd hdr, hdr, 0, 0x1001000, hdr`);
    expect(errorOf(() => loadMultiboot("big.bin", img, { memBytes: MEM })).message)
      .toBe("big.bin: kernel bss at 0xfff020-0x1001000 is not inside usable RAM (0x0-0x9fc00, 0x100000-0x1000000)");
  });
});
