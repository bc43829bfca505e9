// ELF32 executables for the multiboot loader (System V ABI gABI "ELF header", "Program header";
// i386 psABI). Every offset and size is checked against the file length before use.

import { ImageReader, describeStart, hex } from "./image-error.js";

// ELF header (52 bytes):
//   0x00 e_ident[16]: 7f 'E' 'L' 'F', [4] EI_CLASS (1 = 32-bit), [5] EI_DATA (1 = little-endian), [6] EI_VERSION 1
//   0x10 u16 e_type  0x12 u16 e_machine  0x14 u32 e_version  0x18 u32 e_entry  0x1c u32 e_phoff
//   0x20 u32 e_shoff  0x24 u32 e_flags  0x28 u16 e_ehsize  0x2a u16 e_phentsize  0x2c u16 e_phnum
// Program header (32 bytes): 0x00 p_type, 0x04 p_offset, 0x08 p_vaddr, 0x0c p_paddr, 0x10 p_filesz,
//   0x14 p_memsz, 0x18 p_flags, 0x1c p_align.
export const ET_EXEC = 2, EM_386 = 3, PT_LOAD = 1;
const EHDR_SIZE = 52, PHDR_SIZE = 32;

export interface ElfSegment {
  /** Index in the program header table. */
  index: number;
  offset: number; vaddr: number; paddr: number; filesz: number; memsz: number; flags: number;
}

export interface Elf32 { entry: number; type: number; machine: number; loads: ElfSegment[] }

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Parses an ELF32 little-endian i386 executable's PT_LOAD segments; ImageError on anything malformed. */
export function parseElf32(file: string, bytes: Uint8Array): Elf32 {
  const r = new ImageReader(file, bytes);
  if (!isElf(bytes)) throw r.error(0, "ELF magic 7f 45 4c 46", describeStart(bytes));
  r.need(0, EHDR_SIZE, "ELF header");
  if (bytes[4] !== 1) throw r.error(4, "EI_CLASS 1 (ELFCLASS32)", bytes[4] === 2 ? "2 (ELFCLASS64)" : String(bytes[4]));
  if (bytes[5] !== 1) throw r.error(5, "EI_DATA 1 (little-endian)", String(bytes[5]));
  const type = r.u16(0x10, "e_type");
  if (type !== ET_EXEC) throw r.error(0x10, "e_type 2 (ET_EXEC)", String(type));
  const machine = r.u16(0x12, "e_machine");
  if (machine !== EM_386) throw r.error(0x12, "e_machine 3 (EM_386)", String(machine));
  const entry = r.u32(0x18, "e_entry");
  const phoff = r.u32(0x1c, "e_phoff");
  const phentsize = r.u16(0x2a, "e_phentsize");
  const phnum = r.u16(0x2c, "e_phnum");
  if (phnum === 0) throw r.error(0x2c, "at least one program header (e_phnum)", "0");
  if (phentsize < PHDR_SIZE) throw r.error(0x2a, `e_phentsize of at least ${PHDR_SIZE}`, String(phentsize));
  r.need(phoff, phentsize * phnum, `program header table (e_phoff ${hex(phoff)}, ${phnum} × ${phentsize})`);
  const loads: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (r.u32(ph, "p_type") !== PT_LOAD) continue;
    const s: ElfSegment = {
      index: i, offset: r.u32(ph + 4, "p_offset"), vaddr: r.u32(ph + 8, "p_vaddr"), paddr: r.u32(ph + 12, "p_paddr"),
      filesz: r.u32(ph + 16, "p_filesz"), memsz: r.u32(ph + 20, "p_memsz"), flags: r.u32(ph + 24, "p_flags"),
    };
    if (s.filesz > s.memsz) throw r.error(ph + 16, `segment ${i} p_filesz ≤ p_memsz (${hex(s.memsz)})`, hex(s.filesz));
    if (s.offset + s.filesz > bytes.length) {
      throw r.error(ph + 4, `segment ${i} inside the file (p_offset ${hex(s.offset)} + p_filesz ${hex(s.filesz)} ≤ ${hex(bytes.length)})`, `end ${hex(s.offset + s.filesz)}`);
    }
    if (s.paddr + s.memsz > 0x100000000) throw r.error(ph + 12, `segment ${i} below 4 GiB`, `p_paddr ${hex(s.paddr)} + p_memsz ${hex(s.memsz)}`);
    loads.push(s);
  }
  if (loads.length === 0) throw r.error(phoff, "at least one PT_LOAD program header", `none among ${phnum}`);
  return { entry, type, machine, loads };
}
