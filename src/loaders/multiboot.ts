// Multiboot Specification 0.6.96 (version 1): header search, ELF32 and a.out-kludge kernels,
// modules, and the boot information structure with the memory map.

import { isElf, parseElf32 } from "./elf.js";
import { ImageReader, describeStart, hex } from "./image-error.js";
import { E820_RAM, EBDA_START, HIGH_MEMORY, PlacementError, StructWriter, checkPlacement, cString, flat32Entry, flatGdt, pageUp, pcE820, type E820Entry, type LoadPlan, type PlanWrite } from "./plan.js";

// Header (3.1.1), at a 4-byte aligned offset within the first 8192 bytes:
//   +0 magic 0x1BADB002  +4 flags  +8 checksum (magic + flags + checksum = 0 mod 2^32)
//   flags bit 16 (address fields valid): +12 header_addr +16 load_addr +20 load_end_addr +24 bss_end_addr +28 entry_addr
//   flags bit 2 (video mode): +32 mode_type +36 width +40 height +44 depth
export const MB_HEADER_MAGIC = 0x1badb002, MB_BOOTLOADER_MAGIC = 0x2badb002;
export const MB_SEARCH_LIMIT = 8192;
export const MBF_PAGE_ALIGN = 1 << 0, MBF_MEMORY_INFO = 1 << 1, MBF_VIDEO_MODE = 1 << 2, MBF_AOUT_KLUDGE = 1 << 16;
const SUPPORTED_REQUIRED = MBF_PAGE_ALIGN | MBF_MEMORY_INFO;

// Boot information (3.3), offsets: 0 flags, 4 mem_lower, 8 mem_upper, 12 boot_device, 16 cmdline,
//   20 mods_count, 24 mods_addr, 28-40 syms, 44 mmap_length, 48 mmap_addr, 52 drives_length,
//   56 drives_addr, 60 config_table, 64 boot_loader_name, 68 apm_table, 72-86 vbe_*, 88-115 framebuffer_*.
// Module entry (16 bytes): mod_start, mod_end (exclusive), string, reserved.
// mmap entry: u32 size (of the rest: 20), u64 base_addr, u64 length, u32 type; mmap_addr points at size.
export const MBI_MEMORY = 1 << 0, MBI_CMDLINE = 1 << 2, MBI_MODS = 1 << 3, MBI_MMAP = 1 << 6, MBI_LOADER_NAME = 1 << 9;
const INFO_SIZE = 120, MOD_SIZE = 16, MMAP_ENTRY = 24;

/** Where the loader puts its own structures: GDT, stack below the info block, info block and its strings. */
export const MB_GDT = 0x5000, MB_STACK_TOP = 0x6000, MB_INFO = 0x6000;
export const MB_LOADER_NAME = "x86rr";

export interface MultibootHeader {
  /** File offset of the magic. */
  offset: number;
  flags: number;
  /** Present when flags bit 16 is set. */
  aout?: { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number };
}

/** Finds and checks the multiboot header; ImageError naming the offset when absent, corrupt or unsupported. */
export function findMultibootHeader(file: string, bytes: Uint8Array): MultibootHeader {
  const r = new ImageReader(file, bytes);
  const end = Math.min(MB_SEARCH_LIMIT, bytes.length) - 12;
  let badSum = -1;
  for (let off = 0; off <= end; off += 4) {
    if (r.u32(off, "magic") !== MB_HEADER_MAGIC) continue;
    const flags = r.u32(off + 4, "flags");
    if (((MB_HEADER_MAGIC + flags + r.u32(off + 8, "checksum")) >>> 0) !== 0) { if (badSum < 0) badSum = off; continue; }
    const required = flags & 0xffff;
    if (required & MBF_VIDEO_MODE) throw r.error(off + 4, "no video mode request (flags bit 2): x86rr has no framebuffer", `flags ${hex(flags)}`);
    const unknown = required & ~SUPPORTED_REQUIRED;
    if (unknown) throw r.error(off + 4, "required flag bits (0-15) limited to 0 (page align) and 1 (memory info); 3-15 are undefined in Multiboot 0.6.96", `flags ${hex(flags)}, unknown bit ${31 - Math.clz32(unknown & -unknown)}`);
    const h: MultibootHeader = { offset: off, flags };
    if (flags & MBF_AOUT_KLUDGE) {
      h.aout = {
        headerAddr: r.u32(off + 12, "header_addr"), loadAddr: r.u32(off + 16, "load_addr"), loadEndAddr: r.u32(off + 20, "load_end_addr"),
        bssEndAddr: r.u32(off + 24, "bss_end_addr"), entryAddr: r.u32(off + 28, "entry_addr"),
      };
    }
    return h;
  }
  if (badSum >= 0) {
    const sum = (MB_HEADER_MAGIC + r.u32(badSum + 4, "flags") + r.u32(badSum + 8, "checksum")) >>> 0;
    throw r.error(badSum + 8, "a checksum making magic + flags + checksum = 0", `sum ${hex(sum)}`);
  }
  throw r.error(0, `a multiboot header (magic ${hex(MB_HEADER_MAGIC)} at a 4-byte aligned offset in the first ${MB_SEARCH_LIMIT} bytes)`, `none; the file starts with ${describeStart(bytes)}`);
}

export interface MultibootModule { file: string; bytes: Uint8Array; /** Module string; default: the file name. */ cmdline?: string }

export interface MultibootOptions {
  memBytes: number;
  /** Kernel command line; default: the kernel's file name (as GRUB passes the path first). */
  cmdline?: string;
  modules?: MultibootModule[];
  reservedE820?: E820Entry[];
}

/** Plans a multiboot v1 boot: kernel segments, modules page-aligned after it, info at MB_INFO; EAX = 0x2BADB002, EBX = info. */
export function loadMultiboot(file: string, bytes: Uint8Array, opts: MultibootOptions): LoadPlan {
  const h = findMultibootHeader(file, bytes);
  const e820 = pcE820(opts.memBytes, opts.reservedE820);
  const notes: string[] = [`multiboot header at ${hex(h.offset)}, flags ${hex(h.flags)}`];
  const writes: PlanWrite[] = [{ gpa: MB_GDT, bytes: flatGdt(), what: "GDT" }];
  let entry: number, kernelEnd = 0;

  if (h.aout) {
    const a = h.aout, r = new ImageReader(file, bytes), o = h.offset;
    if (a.loadAddr > a.headerAddr) throw r.error(o + 16, `load_addr ≤ header_addr (${hex(a.headerAddr)})`, hex(a.loadAddr));
    const loadOffset = o - (a.headerAddr - a.loadAddr);
    if (loadOffset < 0) throw r.error(o + 12, `header_addr - load_addr ≤ the header's file offset ${hex(o)}`, hex(a.headerAddr - a.loadAddr));
    const loadEnd = a.loadEndAddr === 0 ? a.loadAddr + (bytes.length - loadOffset) : a.loadEndAddr;
    if (loadEnd < a.loadAddr) throw r.error(o + 20, `load_end_addr ≥ load_addr (${hex(a.loadAddr)})`, hex(a.loadEndAddr));
    if (loadOffset + (loadEnd - a.loadAddr) > bytes.length) {
      throw r.error(o + 20, `load_end_addr within the file (at most ${hex(a.loadAddr + bytes.length - loadOffset)})`, hex(a.loadEndAddr));
    }
    const bssEnd = a.bssEndAddr === 0 ? loadEnd : a.bssEndAddr;
    if (bssEnd < loadEnd) throw r.error(o + 24, `bss_end_addr ≥ load_end_addr (${hex(loadEnd)})`, hex(a.bssEndAddr));
    writes.push({ gpa: a.loadAddr, bytes: bytes.subarray(loadOffset, loadOffset + loadEnd - a.loadAddr), what: "kernel text+data" });
    if (bssEnd > loadEnd) writes.push({ gpa: loadEnd, bytes: new Uint8Array(bssEnd - loadEnd), what: "kernel bss" });
    entry = a.entryAddr;
    kernelEnd = bssEnd;
    notes.push(`a.out kludge: file ${hex(loadOffset)} → ${hex(a.loadAddr)}-${hex(loadEnd)}, bss to ${hex(bssEnd)}`);
  } else {
    if (!isElf(bytes)) throw new ImageReader(file, bytes).error(h.offset + 4, "flags bit 16 (address fields) for a kernel that is not ELF", `flags ${hex(h.flags)} and ${describeStart(bytes)}`);
    const elf = parseElf32(file, bytes);
    entry = elf.entry;
    for (const s of elf.loads) {
      if (s.memsz === 0) continue;
      if (s.filesz > 0) writes.push({ gpa: s.paddr, bytes: bytes.subarray(s.offset, s.offset + s.filesz), what: `ELF segment ${s.index}` });
      if (s.memsz > s.filesz) writes.push({ gpa: s.paddr + s.filesz, bytes: new Uint8Array(s.memsz - s.filesz), what: `ELF segment ${s.index} bss` });
      kernelEnd = Math.max(kernelEnd, s.paddr + s.memsz);
      // A kernel linked at a virtual address loads at p_paddr; its entry moves with the segment holding it.
      if (s.vaddr !== s.paddr && elf.entry >= s.vaddr && elf.entry < s.vaddr + s.memsz) entry = elf.entry - s.vaddr + s.paddr;
      notes.push(`ELF segment ${s.index}: file ${hex(s.offset)}+${hex(s.filesz)} → ${hex(s.paddr)}, memsz ${hex(s.memsz)}`);
    }
    if (entry !== elf.entry) notes.push(`entry ${hex(elf.entry)} (virtual) → ${hex(entry)} (physical)`);
  }

  // Modules: page-aligned (flags bit 0 asks for it; it costs nothing to always do) after the kernel.
  const mods = opts.modules ?? [];
  let next = pageUp(Math.max(kernelEnd, HIGH_MEMORY));
  const placed = mods.map((m) => {
    const at = next;
    next = pageUp(at + m.bytes.length);
    writes.push({ gpa: at, bytes: m.bytes, what: `module ${m.file}` });
    notes.push(`module ${m.file} at ${hex(at)}-${hex(at + m.bytes.length)}`);
    return { start: at, end: at + m.bytes.length, string: cString(m.file, "module string", m.cmdline ?? m.file) };
  });

  // The info block: struct, then mmap, module list, and strings, each 4-byte aligned.
  const cmdline = cString(file, "command line", opts.cmdline ?? file);
  const name = cString(file, "boot loader name", MB_LOADER_NAME);
  const align4 = (n: number): number => (n + 3) & ~3;
  const mmapOff = INFO_SIZE, modsOff = mmapOff + e820.length * MMAP_ENTRY;
  let strOff = modsOff + mods.length * MOD_SIZE;
  const strAt = (s: Uint8Array): number => { const at = strOff; strOff = align4(strOff + s.length); return at; };
  const cmdOff = strAt(cmdline), nameOff = strAt(name), modStrOffs = placed.map((p) => strAt(p.string));
  if (MB_INFO + strOff > EBDA_START) throw new PlacementError(file, `boot information of ${strOff} bytes does not fit between ${hex(MB_INFO)} and ${hex(EBDA_START)}`);
  const info = new Uint8Array(strOff);
  const w = new StructWriter(info);
  const lowRam = e820.find((e) => e.type === E820_RAM && e.addr === 0);
  const highRam = e820.find((e) => e.type === E820_RAM && e.addr === HIGH_MEMORY);
  w.u32(0, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
  w.u32(4, Math.floor((lowRam?.size ?? 0) / 1024));
  w.u32(8, Math.floor((highRam?.size ?? 0) / 1024));
  w.u32(16, MB_INFO + cmdOff);
  w.u32(20, mods.length);
  w.u32(24, MB_INFO + modsOff);
  w.u32(44, e820.length * MMAP_ENTRY);
  w.u32(48, MB_INFO + mmapOff);
  w.u32(64, MB_INFO + nameOff);
  e820.forEach((e, i) => {
    const o = mmapOff + i * MMAP_ENTRY;
    w.u32(o, MMAP_ENTRY - 4); w.u64(o + 4, e.addr); w.u64(o + 12, e.size); w.u32(o + 20, e.type);
  });
  placed.forEach((p, i) => {
    const o = modsOff + i * MOD_SIZE;
    w.u32(o, p.start); w.u32(o + 4, p.end); w.u32(o + 8, MB_INFO + modStrOffs[i]);
    info.set(p.string, modStrOffs[i]);
  });
  info.set(cmdline, cmdOff);
  info.set(name, nameOff);
  writes.push({ gpa: MB_INFO, bytes: info, what: "multiboot information" });
  notes.push(`multiboot information at ${hex(MB_INFO)} (${info.length} bytes), entry ${hex(entry)}`);

  // 3.2 "Machine state": EAX = 0x2BADB002, EBX = info, flat CS/DS/ES/FS/GS/SS, PE on, PG off, IF = 0.
  const plan: LoadPlan = { writes, entry: flat32Entry(MB_GDT, entry, { eax: MB_BOOTLOADER_MAGIC, ebx: MB_INFO, esp: MB_STACK_TOP }), e820, notes };
  return checkPlacement(file, plan, e820);
}
