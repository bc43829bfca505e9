// Transcripts with the real gdb (batch mode) against the hello guest on a live run.
// Oracles: addresses from nasm's symbol map and objdump, strings from guests/hello.asm, values
// from the SDM semantics of the instructions involved.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { gdb, helloMachine, helloSymbols, serve, type Symbols } from "./helpers.js";

let sym: Symbols;
/** Address of the instruction objdump prints as `text` in the ELF built from hello.asm. */
const at: Record<string, number> = {};

beforeAll(() => {
  sym = helloSymbols();
  const dis = execFileSync("objdump", ["-d", "-M", "intel", sym.elf], { encoding: "latin1" });
  const find = (re: RegExp) => { const m = re.exec(dis); if (!m) throw new Error(`objdump: ${re} not found`); return parseInt(m[1], 16); };
  at.movPde = find(/^\s+([0-9a-f]+):\s+c7 05 00 00 08 00 83.*mov\s+DWORD PTR ds:0x80000,0x83$/m);
  at.movCr4 = find(/^\s+([0-9a-f]+):\s+0f 20 e0\s+mov\s+eax,cr4$/m);
});

/** Values of gdb's `$N = ...` lines, in order. */
function values(out: string): string[] {
  return [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]);
}
const hex = (n: number) => `0x${n.toString(16)}`;

async function session(commands: string[], snapshotEvery = 50): Promise<string> {
  const s = await serve(new MachineTarget(helloMachine(), { snapshotEvery }));
  try {
    return await gdb(s.port, commands, sym.elf);
  } finally {
    await s.close();
  }
}

describe("gdb on a live run of hello", () => {
  it("break puts32 → stops with esi = msg_pm; stepi runs lodsb (al='x', esi+1); reverse-stepi restores pc, esi, eax", async () => {
    const out = await session([
      "break puts32", "continue", "p/x $pc", "p/x $esi", "p/x $eax", "x/s $esi", "p/x $cs",
      "stepi", "p/x $pc", "p/x $esi", "p/x $eax & 0xff",
      "reverse-stepi", "p/x $pc", "p/x $esi", "p/x $eax",
    ]);
    expect(out).toContain("Breakpoint 1, 0x00007c8f in puts32 ()");
    expect(out).toContain('"x86rr hello: protected mode\\r\\n"');
    const v = values(out);
    const eaxAtBreak = v[2];
    expect(v.slice(0, 2)).toEqual([hex(sym.addr.puts32), hex(sym.addr.msg_pm)]);
    expect(v[3]).toBe("0x8"); // the flat code selector hello loads with jmp 0x08:pm_entry
    expect(v.slice(4, 7)).toEqual([hex(sym.addr.puts32 + 1), hex(sym.addr.msg_pm + 1), "0x78"]);
    expect(v.slice(7, 10)).toEqual([hex(sym.addr.puts32), hex(sym.addr.msg_pm), eaxAtBreak]);
  });

  it("watch *(int*)0x80000 then reverse-continue → stops at the mov that wrote the PDE (Old 131, New 0); forward again the write and then the CPU's PDE.A update both trigger", async () => {
    const out = await session([
      `break *${hex(at.movCr4)}`, "continue", "delete",
      "watch *(int*)0x80000", "reverse-continue", "p/x $pc", "x/wx 0x80000",
      "continue", "p/x $pc", "continue", "p/x *(int*)0x80000",
    ]);
    expect(out).toMatch(/Hardware watchpoint 2: \*\(int\*\)0x80000\s+Old value = 131\s+New value = 0/);
    expect(out).toMatch(/Old value = 0\s+New value = 131/);
    // SDM Vol.3 4.8: the first walk through the 4 MiB PDE sets its accessed bit (0x83 → 0xa3).
    expect(out).toMatch(/Old value = 131\s+New value = 163/);
    const v = values(out);
    expect(v[0]).toBe(hex(at.movPde));
    expect(out).toMatch(/0x80000:\s+0x00000000/);
    expect(v[1]).toBe(hex(at.movCr4));
    expect(v[2]).toBe("0xa3");
  });

  it("puts32 loops back to itself per character: from the 3rd hit, reverse-continue stops at the 2nd (esi = msg_pm+1), then the 1st, then the start (replaylog:begin)", async () => {
    const out = await session(["break puts32", "continue", "continue", "continue", "p/x $esi", "reverse-continue", "p/x $esi",
      "reverse-continue", "p/x $esi", "reverse-continue", "p/x $pc", "monitor icount"], 64);
    expect(out).toContain("No more reverse-execution history.");
    const v = values(out);
    expect(v).toEqual([hex(sym.addr.msg_pm + 2), hex(sym.addr.msg_pm + 1), hex(sym.addr.msg_pm), "0x7c00"]);
    expect(out).toMatch(/^0$/m);
  });

  it("rwatch on the first byte of msg_pm → stops after the lodsb that read it (Value = 120 'x')", async () => {
    const out = await session([`rwatch *(char*)${hex(sym.addr.msg_pm)}`, "continue", "p/x $pc"]);
    expect(out).toMatch(/Hardware read watchpoint 1: \*\(char\*\)0x7ce7\s+Value = 120 'x'/);
    expect(values(out)[0]).toBe(hex(sym.addr.puts32 + 1));
  });

  it("hbreak pm_entry → hardware breakpoint stop; info registers shows cr0.PE=1 and the custom cs_base", async () => {
    const out = await session(["hbreak pm_entry", "continue", "p/x $pc", "p/x $cr0 & 1", "p/x $cs_base", "monitor where"]);
    expect(out).toContain("Hardware assisted breakpoint 1 at 0x7c3c");
    expect(out).toContain("Breakpoint 1, 0x00007c3c in pm_entry ()");
    expect(values(out)).toEqual([hex(sym.addr.pm_entry), "0x1", "0x0"]);
    expect(out).toMatch(/mode protected 32-bit\s+CPL 0\s+paging off/);
  });

  it("set $eax / set *(int*) write through P/G and M: the next stepi (lodsb: al ← [esi]) sees them", async () => {
    const out = await session(["break puts32", "continue", "set $eax = 0x12345600", `set *(char*)${hex(sym.addr.msg_pm)} = 0x41`, "stepi",
      "p/x $eax", "p/x $eflags & 0x400", "set $esi = 0x7ce7", "p/x $esi"]);
    // lodsb replaces only AL and, with DF=0, increments ESI (SDM Vol.2 LODS).
    expect(values(out)).toEqual(["0x12345641", "0x0", "0x7ce7"]);
  });

  it("continue with no breakpoints → the guest writes 0 to the debug-exit port: gdb sees a normal exit", async () => {
    const serial: number[] = [];
    const s = await serve(new MachineTarget(helloMachine(serial)));
    const out = await gdb(s.port, ["continue"], sym.elf);
    await s.close();
    expect(out).toContain("exited normally");
    expect(Buffer.from(serial).toString("latin1")).toContain("x86rr hello: paging on, bye");
  });

  it("x at an unmapped virtual address after paging is on → Cannot access memory (no #PF, no A/D change)", async () => {
    const out = await session([`break *${hex(at.movCr4)}`, "continue", "delete", "break puts32", "continue", "continue", "continue",
      "x/wx 0x80000", "x/wx 0x00400000", "x/wx 0x80000", "p/x $cr2"]);
    expect(out).toMatch(/Cannot access memory at address 0x400000/);
    // 0x80000 holds the PDE: P|RW|PS plus A and D, set by the guest's own reads and pushes through the page (SDM 4.8).
    expect([...out.matchAll(/0x80000:\s+(0x[0-9a-f]+)/g)].map((m) => m[1])).toEqual(["0x000000e3", "0x000000e3"]);
    expect(values(out)).toEqual(["0x0"]);
  });
});
