// Linux x86 boot protocol (Documentation/arch/x86/boot.rst), 32-bit entry: the protected-mode
// kernel at 1 MiB, boot_params ("zero page") built from the image's setup header, no real-mode
// setup code run (it would need a BIOS). Protocol 2.04 or later (32-bit syssize) is required.

import { ImageError, ImageReader, describeStart, hex } from "./image-error.js";
import { EBDA_START, HIGH_MEMORY, MiB, PlacementError, StructWriter, checkPlacement, cString, flat32Entry, flatGdt, pageDown, pageUp, pcE820, ramTop, type E820Entry, type LoadPlan } from "./plan.js";

// Setup header (boot.rst "The real-mode kernel header"), offsets into the image = into boot_params:
//   0x1f1 u8  setup_sects       0x1f4 u32 syssize (paragraphs)   0x1fe u16 boot_flag 0xaa55
//   0x200 u8  jump (eb), 0x201 u8 offset: the header ends at 0x202 + that byte
//   0x202 u32 "HdrS"            0x206 u16 version                0x20e u16 kernel_version (string at +0x200)
//   0x210 u8  type_of_loader    0x211 u8  loadflags              0x214 u32 code32_start
//   0x218 u32 ramdisk_image     0x21c u32 ramdisk_size           0x224 u16 heap_end_ptr
//   0x228 u32 cmd_line_ptr      0x22c u32 initrd_addr_max        0x230 u32 kernel_alignment (2.05)
//   0x234 u8  relocatable_kernel (2.05)  0x236 u16 xloadflags (2.12)  0x238 u32 cmdline_size (2.06)
//   0x23c u32 hardware_subarch  0x250 u64 setup_data             0x258 u64 pref_address (2.10)
//   0x260 u32 init_size (2.10)
const SETUP_SECTS = 0x1f1, SYSSIZE = 0x1f4, BOOT_FLAG = 0x1fe, JUMP = 0x200, HEADER = 0x202, VERSION = 0x206;
const KERNEL_VERSION = 0x20e, TYPE_OF_LOADER = 0x210, LOADFLAGS = 0x211, CODE32_START = 0x214;
const RAMDISK_IMAGE = 0x218, RAMDISK_SIZE = 0x21c, HEAP_END_PTR = 0x224, CMD_LINE_PTR = 0x228;
const INITRD_ADDR_MAX = 0x22c, KERNEL_ALIGNMENT = 0x230, RELOCATABLE_KERNEL = 0x234, XLOADFLAGS = 0x236;
const CMDLINE_SIZE = 0x238, PREF_ADDRESS = 0x258, INIT_SIZE = 0x260;
const HDRS = 0x53726448; // "HdrS" little-endian

// loadflags bits.
export const LOADED_HIGH = 1 << 0, KASLR_FLAG = 1 << 1, QUIET_FLAG = 1 << 5, KEEP_SEGMENTS = 1 << 6, CAN_USE_HEAP = 1 << 7;

// boot_params outside the setup header (Documentation/arch/x86/zero-page.rst):
//   0x000 screen_info (0x0f orig_video_isVGA), 0x1e0 u32 alt_mem_k, 0x1e8 u8 e820_entries,
//   0x2d0 e820_table[128] of { u64 addr, u64 size, u32 type } (20 bytes each).
const ORIG_VIDEO_ISVGA = 0x0f, ALT_MEM_K = 0x1e0, E820_ENTRIES = 0x1e8, E820_TABLE = 0x2d0, E820_MAX = 128;
/** The copied header stops before boot_params' next field after struct setup_header (0x290 edd_mbr_sig_buffer). */
const HEADER_COPY_LIMIT = 0x290;

/** Where the loader puts its own structures (all below the EBDA, above the BIOS data area). */
export const BZ_GDT = 0x5000, BZ_STACK_TOP = 0x7000, BZ_BOOT_PARAMS = 0x7000, BZ_CMDLINE = 0x8000;
export const BZ_KERNEL = HIGH_MEMORY;
/** heap_end_ptr as boot.rst's example sets it (setup at 0x90000, heap to 0xe000): meaningful only to real-mode setup. */
const HEAP_END = 0xe000 - 0x200;

/** The setup header fields this loader reads. */
export interface BzImageHeader {
  version: number;
  /** "6.1.0-50-686 (debian-kernel@…) #1 SMP …" when the image carries one. */
  kernelVersion: string;
  setupSects: number;
  /** Image offset of the protected-mode kernel: (setup_sects + 1) × 512. */
  pmOffset: number;
  /** syssize × 16. */
  pmSize: number;
  loadflags: number;
  code32Start: number;
  initrdAddrMax: number;
  kernelAlignment: number;
  relocatable: boolean;
  xloadflags: number;
  cmdlineSize: number;
  prefAddress: number;
  initSize: number;
  /** Image offset one past the setup header: 0x202 + byte at 0x201. */
  headerEnd: number;
}

/** Reads and validates the setup header of a bzImage; ImageError for anything that is not a usable one. */
export function parseBzImage(file: string, bytes: Uint8Array): BzImageHeader {
  const r = new ImageReader(file, bytes);
  if (bytes.length < HEADER + 4) throw r.error(HEADER, `a bzImage setup header ("HdrS" at ${hex(HEADER)})`, `${describeStart(bytes)}, only ${bytes.length} bytes`);
  const magic = r.u32(HEADER, "HdrS");
  if (magic !== HDRS) throw r.error(HEADER, `bzImage magic "HdrS" (48 64 72 53)`, `${fmtBytes(r.slice(HEADER, 4, "magic"))}; the file starts with ${describeStart(bytes)}`);
  const bootFlag = r.u16(BOOT_FLAG, "boot_flag");
  if (bootFlag !== 0xaa55) throw r.error(BOOT_FLAG, "boot_flag 0xaa55", hex(bootFlag));
  const version = r.u16(VERSION, "version");
  if (version < 0x204) {
    throw r.error(VERSION, "boot protocol version 2.04 or later (32-bit syssize)", `${fmtVersion(version)}: kernels this old are not supported`);
  }
  const loadflags = r.u8(LOADFLAGS, "loadflags");
  if (!(loadflags & LOADED_HIGH)) throw r.error(LOADFLAGS, "loadflags LOADED_HIGH (bit 0): a bzImage", `${hex(loadflags)}, a zImage loaded at 0x10000 (not supported)`);
  const sects = r.u8(SETUP_SECTS, "setup_sects");
  const setupSects = sects === 0 ? 4 : sects;
  const pmOffset = (setupSects + 1) * 512;
  const headerEnd = Math.min(JUMP + 2 + r.u8(JUMP + 1, "jump offset"), HEADER_COPY_LIMIT);
  if (headerEnd > pmOffset) throw r.error(JUMP + 1, `a setup header ending inside the ${setupSects} setup sectors`, `end at ${hex(headerEnd)}`);
  const pmSize = r.u32(SYSSIZE, "syssize") * 16;
  if (pmSize === 0) throw r.error(SYSSIZE, "a nonzero syssize", "0");
  if (bytes.length < pmOffset + pmSize) {
    throw r.error(bytes.length, `the protected-mode kernel at ${hex(pmOffset)}, ${pmSize} bytes (syssize ${hex(pmSize / 16)})`, `the file ends after ${bytes.length - pmOffset} bytes of it`);
  }
  const kernelAlignment = version >= 0x205 ? r.u32(KERNEL_ALIGNMENT, "kernel_alignment") : 0;
  if (version >= 0x205 && (kernelAlignment === 0 || (kernelAlignment & (kernelAlignment - 1)) !== 0)) {
    throw r.error(KERNEL_ALIGNMENT, "kernel_alignment a power of two", hex(kernelAlignment));
  }
  const kv = r.u16(KERNEL_VERSION, "kernel_version");
  return {
    version,
    kernelVersion: kv === 0 ? "" : readString(bytes, kv + 0x200, pmOffset),
    setupSects, pmOffset, pmSize, loadflags,
    code32Start: r.u32(CODE32_START, "code32_start"),
    initrdAddrMax: r.u32(INITRD_ADDR_MAX, "initrd_addr_max"),
    kernelAlignment,
    relocatable: version >= 0x205 && r.u8(RELOCATABLE_KERNEL, "relocatable_kernel") !== 0,
    xloadflags: version >= 0x20c ? r.u16(XLOADFLAGS, "xloadflags") : 0,
    cmdlineSize: version >= 0x206 ? r.u32(CMDLINE_SIZE, "cmdline_size") : 255,
    prefAddress: version >= 0x20a ? r.u32(PREF_ADDRESS, "pref_address") + r.u32(PREF_ADDRESS + 4, "pref_address") * 0x100000000 : 0,
    initSize: version >= 0x20a ? r.u32(INIT_SIZE, "init_size") : 0,
    headerEnd,
  };
}

export interface BzImageOptions {
  /** Guest RAM in bytes (multiple of 4 KiB, ≥ 2 MiB). */
  memBytes: number;
  cmdline?: string;
  initrd?: { file: string; bytes: Uint8Array };
  /** MMIO windows above RAM to report as reserved in the e820 map. */
  reservedE820?: E820Entry[];
}

/** Plans a Linux boot through the 32-bit boot protocol: kernel at 1 MiB, ESI = boot_params. */
export function loadBzImage(file: string, bytes: Uint8Array, opts: BzImageOptions): LoadPlan {
  const h = parseBzImage(file, bytes);
  const e820 = pcE820(opts.memBytes, opts.reservedE820);
  const top = ramTop(e820);
  const notes: string[] = [`Linux boot protocol ${fmtVersion(h.version)}${h.kernelVersion ? `, kernel ${h.kernelVersion}` : ""}`];

  // The kernel decompresses into [runStart, runStart + init_size) (arch/x86/boot/compressed/head_32.S:
  // relocatable → load address rounded up to kernel_alignment, at least pref_address; else pref_address).
  let kernelEnd = BZ_KERNEL + h.pmSize;
  if (h.version >= 0x20a && h.initSize > 0) {
    const aligned = Math.ceil(BZ_KERNEL / h.kernelAlignment) * h.kernelAlignment;
    const runStart = h.relocatable ? Math.max(aligned, h.prefAddress) : h.prefAddress;
    kernelEnd = Math.max(kernelEnd, runStart + h.initSize);
    notes.push(`kernel at ${hex(BZ_KERNEL)} (${h.pmSize} bytes), decompresses into ${hex(runStart)}-${hex(runStart + h.initSize)}`);
  } else {
    notes.push(`kernel at ${hex(BZ_KERNEL)} (${h.pmSize} bytes); protocol < 2.10 gives no init_size, decompression space not reserved`);
  }
  if (kernelEnd > top) {
    throw new PlacementError(file, `the kernel needs memory up to ${hex(kernelEnd)} but RAM ends at ${hex(top)}, give at least ${Math.ceil(kernelEnd / MiB)} MiB`);
  }

  const cmdline = cString(file, "command line", opts.cmdline ?? "");
  if (cmdline.length - 1 > h.cmdlineSize) {
    throw new PlacementError(file, `command line of ${cmdline.length - 1} bytes exceeds the kernel's cmdline_size ${h.cmdlineSize}`);
  }
  if (BZ_CMDLINE + cmdline.length > EBDA_START) throw new PlacementError(file, `command line of ${cmdline.length - 1} bytes does not fit below ${hex(EBDA_START)}`);

  const writes: LoadPlan["writes"] = [
    { gpa: BZ_GDT, bytes: flatGdt(), what: "GDT" },
    { gpa: BZ_CMDLINE, bytes: cmdline, what: "command line" },
    { gpa: BZ_KERNEL, bytes: bytes.subarray(h.pmOffset, h.pmOffset + h.pmSize), what: "protected-mode kernel" },
  ];

  let initrdAddr = 0, initrdSize = 0;
  if (opts.initrd) {
    initrdSize = opts.initrd.bytes.length;
    const maxEnd = Math.min(h.initrdAddrMax + 1, top);
    initrdAddr = pageDown(maxEnd - initrdSize);
    const floor = pageUp(kernelEnd);
    if (initrdSize === 0) throw new ImageError(opts.initrd.file, 0, "an initrd with at least one byte", "an empty file");
    if (initrdAddr < floor) {
      const need = Math.ceil((floor + pageUp(initrdSize)) / MiB);
      const why = maxEnd < top ? `initrd_addr_max ${hex(h.initrdAddrMax)} leaves no room above the kernel` : `give at least ${need} MiB`;
      throw new PlacementError(opts.initrd.file, `initrd of ${initrdSize} bytes does not fit below ${hex(maxEnd)} above the kernel (ends ${hex(floor)}), ${why}`);
    }
    writes.push({ gpa: initrdAddr, bytes: opts.initrd.bytes, what: "initrd" });
    notes.push(`initrd at ${hex(initrdAddr)}-${hex(initrdAddr + initrdSize)} (${initrdSize} bytes)`);
  }

  const bp = new Uint8Array(4096);
  const w = new StructWriter(bp);
  bp.set(bytes.subarray(SETUP_SECTS, h.headerEnd), SETUP_SECTS);
  w.u8(ORIG_VIDEO_ISVGA, 0);
  w.u32(ALT_MEM_K, (top - HIGH_MEMORY) / 1024);
  w.u8(TYPE_OF_LOADER, 0xff);
  w.u8(LOADFLAGS, (h.loadflags | CAN_USE_HEAP) & ~QUIET_FLAG);
  w.u16(HEAP_END_PTR, HEAP_END);
  w.u32(CODE32_START, BZ_KERNEL);
  w.u32(RAMDISK_IMAGE, initrdAddr);
  w.u32(RAMDISK_SIZE, initrdSize);
  w.u32(CMD_LINE_PTR, BZ_CMDLINE);
  if (e820.length > E820_MAX) throw new PlacementError(file, `${e820.length} e820 entries exceed the zero page's ${E820_MAX}`);
  w.u8(E820_ENTRIES, e820.length);
  e820.forEach((e, i) => { w.u64(E820_TABLE + i * 20, e.addr); w.u64(E820_TABLE + i * 20 + 8, e.size); w.u32(E820_TABLE + i * 20 + 16, e.type); });
  writes.push({ gpa: BZ_BOOT_PARAMS, bytes: bp, what: "boot_params" });
  notes.push(`boot_params at ${hex(BZ_BOOT_PARAMS)}, command line at ${hex(BZ_CMDLINE)}: ${JSON.stringify(opts.cmdline ?? "")}`);
  notes.push(`RAM top ${hex(top)}, ${e820.length} e820 entries`);

  // boot.rst "32-bit boot protocol": CS = __BOOT_CS, DS/ES/SS = __BOOT_DS, IF = 0, ESI = boot_params, EBP = EDI = EBX = 0.
  const plan: LoadPlan = { writes, entry: flat32Entry(BZ_GDT, BZ_KERNEL, { esi: BZ_BOOT_PARAMS, esp: BZ_STACK_TOP }), e820, notes };
  return checkPlacement(file, plan, e820);
}

function readString(bytes: Uint8Array, start: number, limit: number): string {
  let s = "";
  for (let i = start; i < Math.min(limit, bytes.length) && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const fmtVersion = (v: number): string => `${v >> 8}.${(v & 0xff).toString().padStart(2, "0")}`;
const fmtBytes = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
