// The bundled guests' symbol files (guests/NAME.elf from scripts/build-guests.sh) and the ELF32
// symbol reader. Oracles: binutils' nm (symbol values), objcopy (the ELF's code, compared with the
// committed flat .bin) and readelf (entry), and the real gdb resolving `break SYMBOL` from the file.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED_GUESTS, findGuest, guestSymbolFile, readGuestImage } from "../../src/cli/guests.js";
import { readElfSymbols } from "../../src/loaders/elf-symbols.js";
import { ImageError } from "../../src/loaders/image-error.js";
import { Machine } from "../../src/vmx/machine.js";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { gdb, serve } from "./helpers.js";

/** nm's defined symbols: name → [value, type letter]. */
function nm(file: string): Map<string, [number, string]> {
  const out = execFileSync("nm", ["--defined-only", file], { encoding: "latin1" });
  const m = new Map<string, [number, string]>();
  for (const line of out.split("\n")) {
    const f = /^([0-9a-f]+) (\w) (\S+)$/.exec(line);
    if (f) m.set(f[3], [parseInt(f[1], 16), f[2]]);
  }
  return m;
}

function guestMachine(name: string): Machine {
  const g = findGuest(name)!;
  const m = new Machine({ memBytes: g.memBytes });
  m.loadBytes(g.loadAddress, readGuestImage(g));
  m.enter(g.entry);
  return m;
}

describe("bundled guests' symbol files", () => {
  for (const g of BUNDLED_GUESTS) {
    it(`${g.name}: ${g.name}.elf's .text (objcopy) is byte-identical to ${g.file}, linked at the load address (readelf entry ${g.loadAddress.toString(16)})`, () => {
      const elf = guestSymbolFile(g);
      expect(existsSync(elf)).toBe(true);
      const text = join(mkdtempSync(join(tmpdir(), "x86rr-elfsym-")), "text.bin");
      execFileSync("objcopy", ["-O", "binary", "-j", ".text", elf, text]);
      expect(Buffer.compare(readFileSync(text), Buffer.from(readGuestImage(g)))).toBe(0);
      const hdr = execFileSync("readelf", ["-hS", elf], { encoding: "latin1" });
      expect(Number(/Entry point address:\s+(0x[0-9a-f]+)/.exec(hdr)![1])).toBe(g.loadAddress);
      expect(Number.parseInt(/\.text\s+PROGBITS\s+([0-9a-f]+)/.exec(hdr)![1], 16)).toBe(g.loadAddress);
    });

    it(`${g.name}: readElfSymbols → every nm location symbol at nm's address; constants (nm 'a') are not locations; lookup(addr+k) → nearest symbol + k`, () => {
      const file = guestSymbolFile(g);
      const table = readElfSymbols(file, new Uint8Array(readFileSync(file)));
      const want = nm(file);
      const locations = [...want].filter(([, [, t]]) => t.toLowerCase() !== "a");
      expect(locations.length).toBeGreaterThan(1);
      for (const [name, [value, type]] of want) {
        expect(table.address(name), name).toBe(type.toLowerCase() === "a" ? undefined : value);
      }
      const sorted = locations.map(([n, [v]]) => [n, v] as const).sort((a, b) => a[1] - b[1]);
      for (let i = 0; i < sorted.length; i++) {
        const [name, value] = sorted[i];
        if (sorted.some(([n, v]) => v === value && n !== name)) continue; // several names at one address
        expect(table.describe(value)).toBe(name);
        const next = i + 1 < sorted.length ? sorted[i + 1][1] : value + 2;
        if (next - value > 1) expect(table.lookup(next - 1)).toMatchObject({ name, offset: next - 1 - value });
      }
      expect(table.lookup(sorted[0][1] - 1)).toBeUndefined();
    });
  }

  it("a truncated or symbol-less ELF → ImageError naming the file, never a RangeError", () => {
    const file = guestSymbolFile(findGuest("hello")!);
    const bytes = new Uint8Array(readFileSync(file));
    expect(() => readElfSymbols("cut.elf", bytes.subarray(0, bytes.length - 40))).toThrow(ImageError);
    const stripped = join(mkdtempSync(join(tmpdir(), "x86rr-elfsym-")), "stripped.elf");
    execFileSync("objcopy", ["--strip-all", file, stripped]);
    expect(() => readElfSymbols(stripped, new Uint8Array(readFileSync(stripped)))).toThrow(/stripped\.elf: .*SHT_SYMTAB/);
    expect(() => readElfSymbols("hello.bin", readGuestImage(findGuest("hello")!))).toThrow(/ELF magic/);
  });
});

describe("the real gdb with a bundled symbol file", () => {
  const cases: [string, string, string][] = [
    ["hello", "puts16", "real mode"],
    ["hello", "puts32", "protected mode"],
    ["echo", "idle", "real mode, after the PIC/UART set-up"],
    ["bench-int", "round", "flat 32-bit"],
  ];
  for (const [name, symbol, where] of cases) {
    it(`${name}: symbol-file guests/${name}.elf, break ${symbol}, continue → stops with $pc = nm's address of ${symbol} (${where})`, async () => {
      const file = guestSymbolFile(findGuest(name)!);
      const s = await serve(new MachineTarget(guestMachine(name)));
      try {
        const out = await gdb(s.port, [`symbol-file ${file}`, `break ${symbol}`, "continue", "p/x $pc", "info symbol $pc"]);
        const pc = Number(/^\$1 = (0x[0-9a-f]+)$/m.exec(out)?.[1]);
        expect(pc, out).toBe(nm(file).get(symbol)![0]);
        expect(out).toMatch(new RegExp(`Breakpoint 1, 0x[0-9a-f]+ in ${symbol} \\(\\)`));
        expect(out).toContain(`${symbol} in section .text`);
      } finally {
        await s.close();
      }
    });
  }
});
