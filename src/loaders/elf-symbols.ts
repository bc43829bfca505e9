// The symbol table (.symtab, else .dynsym) of an ELF32 little-endian file: name → address and
// address → nearest symbol + offset, for the bundled guests' symbol files and any multiboot kernel.
// Layouts from the System V gABI ("Sections", "Symbol Table"); every read is bounds-checked.

import { ImageReader, describeStart, hex } from "./image-error.js";
import { isElf } from "./elf.js";

// ELF header: 0x20 u32 e_shoff, 0x2e u16 e_shentsize, 0x30 u16 e_shnum, 0x32 u16 e_shstrndx.
// Section header (40 bytes): 0x04 sh_type, 0x10 sh_offset, 0x14 sh_size, 0x18 sh_link, 0x24 sh_entsize.
// Symbol (16 bytes): 0x00 st_name, 0x04 st_value, 0x08 st_size, 0x0c st_info (bind << 4 | type), 0x0e st_shndx.
const SHDR_SIZE = 40, SYM_SIZE = 16;
const SHT_SYMTAB = 2, SHT_DYNSYM = 11;
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
export const SHN_UNDEF = 0, SHN_ABS = 0xfff1;

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* (0 local, 1 global, 2 weak) */
  bind: number;
  /** Section index; SHN_ABS for constants (nasm `equ`), SHN_UNDEF for references. */
  shndx: number;
}

export interface SymbolAt { name: string; offset: number; symbol: ElfSymbol }

/** Symbols that name a location in the image (defined in a section, not a section/file marker). */
function isAddress(s: ElfSymbol): boolean {
  return s.name !== "" && s.shndx !== SHN_UNDEF && s.shndx !== SHN_ABS && s.shndx < 0xff00 && s.type !== STT_SECTION && s.type !== STT_FILE;
}

export class SymbolTable {
  private readonly byName = new Map<string, ElfSymbol>();
  /** Address symbols sorted by value (globals before locals at the same address). */
  private readonly sorted: ElfSymbol[];

  constructor(readonly symbols: ElfSymbol[]) {
    this.sorted = symbols.filter(isAddress).sort((a, b) => a.value - b.value || b.bind - a.bind || (a.name < b.name ? -1 : 1));
    for (const s of this.sorted) if (!this.byName.has(s.name) || s.bind !== 0) this.byName.set(s.name, s);
  }

  /** The address of the location symbol `name`, or undefined (constants and undefined symbols are not locations). */
  address(name: string): number | undefined {
    return this.byName.get(name)?.value;
  }

  /** The symbol at or nearest below `addr`, and how far past it `addr` is; undefined below the first symbol. */
  lookup(addr: number): SymbolAt | undefined {
    const a = addr >>> 0;
    let lo = 0, hi = this.sorted.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].value <= a) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    // Several symbols at one address: the first in sort order (a global over a local label).
    const v = this.sorted[found].value;
    while (found > 0 && this.sorted[found - 1].value === v) found--;
    const s = this.sorted[found];
    return { name: s.name, offset: a - s.value, symbol: s };
  }

  /** "name" or "name+0x12" for `addr`, or its hex value when no symbol lies below it. */
  describe(addr: number): string {
    const at = this.lookup(addr);
    if (!at) return hex(addr);
    return at.offset === 0 ? at.name : `${at.name}+${hex(at.offset)}`;
  }
}

function cString(r: ImageReader, tabOff: number, tabSize: number, at: number, what: string): string {
  if (at >= tabSize) throw r.error(tabOff, `${what} inside its string table (${tabSize} bytes)`, `index ${at}`);
  let end = tabOff + at;
  const limit = tabOff + tabSize;
  while (end < limit && r.bytes[end] !== 0) end++;
  if (end >= limit) throw r.error(tabOff + at, `${what} NUL-terminated inside its string table`, "no NUL");
  return new TextDecoder("latin1").decode(r.bytes.subarray(tabOff + at, end));
}

/** Reads the symbols of an ELF32 little-endian file; ImageError on anything malformed or when it has no symbol table. */
export function readElfSymbols(file: string, bytes: Uint8Array): SymbolTable {
  const r = new ImageReader(file, bytes);
  if (!isElf(bytes)) throw r.error(0, "ELF magic 7f 45 4c 46", describeStart(bytes));
  r.need(0, 52, "ELF header");
  if (bytes[4] !== 1) throw r.error(4, "EI_CLASS 1 (ELFCLASS32)", bytes[4] === 2 ? "2 (ELFCLASS64)" : String(bytes[4]));
  if (bytes[5] !== 1) throw r.error(5, "EI_DATA 1 (little-endian)", String(bytes[5]));
  const shoff = r.u32(0x20, "e_shoff");
  const shentsize = r.u16(0x2e, "e_shentsize");
  const shnum = r.u16(0x30, "e_shnum");
  if (shoff === 0 || shnum === 0) throw r.error(0x20, "section headers (a symbol table lives in a section)", "none (stripped?)");
  if (shentsize < SHDR_SIZE) throw r.error(0x2e, `e_shentsize of at least ${SHDR_SIZE}`, String(shentsize));
  r.need(shoff, shentsize * shnum, `section header table (e_shoff ${hex(shoff)}, ${shnum} × ${shentsize})`);
  const section = (i: number) => {
    const h = shoff + i * shentsize;
    return {
      h, type: r.u32(h + 4, "sh_type"), offset: r.u32(h + 0x10, "sh_offset"), size: r.u32(h + 0x14, "sh_size"),
      link: r.u32(h + 0x18, "sh_link"), entsize: r.u32(h + 0x24, "sh_entsize"),
    };
  };
  let tab: ReturnType<typeof section> | undefined;
  for (let i = 0; i < shnum && !tab; i++) if (section(i).type === SHT_SYMTAB) tab = section(i);
  for (let i = 0; i < shnum && !tab; i++) if (section(i).type === SHT_DYNSYM) tab = section(i);
  if (!tab) throw r.error(shoff, "a SHT_SYMTAB or SHT_DYNSYM section", `none among ${shnum} sections (stripped?)`);
  if (tab.link >= shnum) throw r.error(tab.h + 0x18, `sh_link naming a section (< ${shnum})`, String(tab.link));
  const entsize = tab.entsize || SYM_SIZE;
  if (entsize < SYM_SIZE) throw r.error(tab.h + 0x24, `symbol sh_entsize of at least ${SYM_SIZE}`, String(entsize));
  r.need(tab.offset, tab.size, "symbol table");
  const str = section(tab.link);
  r.need(str.offset, str.size, "symbol string table");
  const symbols: ElfSymbol[] = [];
  for (let o = tab.offset; o + SYM_SIZE <= tab.offset + tab.size; o += entsize) {
    const info = r.u8(o + 0x0c, "st_info");
    const nameAt = r.u32(o, "st_name");
    symbols.push({
      name: nameAt === 0 ? "" : cString(r, str.offset, str.size, nameAt, "st_name"),
      value: r.u32(o + 4, "st_value"), size: r.u32(o + 8, "st_size"),
      type: info & 0xf, bind: info >> 4, shndx: r.u16(o + 0x0e, "st_shndx"),
    });
  }
  return new SymbolTable(symbols);
}
