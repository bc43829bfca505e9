// The gdb checklist, run with the real gdb (batch mode) against both a live run and a
// replayed trace: break at a symbol, continue, registers and memory, stepi, reverse-stepi back to
// the previous instruction and register values, watch + reverse-continue to the instruction that
// last wrote the variable, reverse-continue to the start (replaylog:begin), and reverse-next /
// reverse-finish across calls.
// Guests: hello (bundled; the CLI's `run hello --gdb` and `record` + `gdb TRACE`) and the calls
// fixture (test/gdbstub/fixtures/calls.asm, built here by scripts/build-guests.sh with line
// info; live through `run --flat ... --gdb`; `record` takes bundled guests only, so its trace is
// recorded and served in-process, the same MachineTarget + GdbServer `x86rr gdb` uses).
// Oracles: nm and objdump on the ELFs, the SDM semantics of the instructions, the arithmetic of
// the guests' sources.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openReplayTarget } from "../../src/gdbstub/replay-target.js";
import { recordRun } from "../../src/replay/session.js";
import { CLI, disassembly, ensureBuiltCli, gdb, helloSymbols, serve, startCli, values, type Symbols } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-gdbscen-"));
const hex = (n: number) => `0x${n.toString(16)}`;
let hello: Symbols;
let calls: Symbols;
let helloAt: { movPde: number; movCr4: number };
let callsAt: { callBump: number; loopInsn: number; callAddTo: number; storeTotal: number };
const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

function nmOf(elf: string): Record<string, number> {
  const addr: Record<string, number> = {};
  for (const m of execFileSync("nm", ["--defined-only", elf], { encoding: "latin1" }).matchAll(/^([0-9a-f]+) [tT] (\S+)$/gm)) addr[m[2]] = parseInt(m[1], 16);
  return addr;
}

beforeAll(() => {
  ensureBuiltCli();
  hello = helloSymbols();
  const h = disassembly(hello.elf);
  helloAt = { movPde: h.at(/^mov DWORD PTR ds:0x80000,0x83$/), movCr4: h.at(/^mov eax,cr4$/) };
  copyFileSync(join(process.cwd(), "test/gdbstub/fixtures/calls.asm"), join(dir, "calls.asm"));
  execFileSync("bash", [join(process.cwd(), "scripts/build-guests.sh"), "--line-info", dir], { stdio: "ignore" });
  calls = { elf: join(dir, "calls.elf"), addr: nmOf(join(dir, "calls.elf")) };
  const c = disassembly(calls.elf);
  callsAt = {
    callBump: c.at(/^call [0-9a-f]+ <bump>$/), loopInsn: c.at(/^loop /),
    callAddTo: c.at(/^call [0-9a-f]+ <add_to>$/), storeTotal: c.at(/^mov DWORD PTR ds:0x[0-9a-f]+,edx$/),
  };
  execFileSync(process.execPath, [CLI, "record", "hello", "-o", join(dir, "hello.x86rr")], { stdio: "ignore" });
  const image = new Uint8Array(readFileSync(join(dir, "calls.bin")));
  recordRun({
    guest: { name: "calls", image, loadAddress: 0x100000, entry: { mode: "flat32", eip: 0x100000 }, memBytes: 4 << 20 },
    path: join(dir, "calls.x86rr"), createdAt: "2026-11-23T00:00:00Z",
    world: { wallClockMs: () => 1_700_000_000_000, pollSerial: () => null, waitForInput: () => false },
  });
}, 120_000);

interface Way { name: string; start(): Promise<number> }

async function cli(args: string[]): Promise<number> {
  const s = await startCli(args);
  cleanups.push(() => { s.child.kill(); });
  return s.port;
}
const helloWays: Way[] = [
  { name: "live run (x86rr run hello --gdb 0 --gdb-wait)", start: () => cli(["run", "hello", "--gdb", "0", "--gdb-wait"]) },
  { name: "replayed trace (x86rr record hello; x86rr gdb TRACE --port 0)", start: () => cli(["gdb", join(dir, "hello.x86rr"), "--port", "0"]) },
];
const callsWays: Way[] = [
  { name: "live run (x86rr run --flat calls.bin@0x100000 --entry flat32 --gdb 0 --gdb-wait)", start: () => cli(["run", "--flat", `${join(dir, "calls.bin")}@0x100000`, "--entry", "flat32", "--gdb", "0", "--gdb-wait"]) },
  {
    name: "replayed trace (recorded calls, served as x86rr gdb serves one)",
    start: async () => {
      const s = await serve(openReplayTarget(join(dir, "calls.x86rr"), { image: () => new Uint8Array(readFileSync(join(dir, "calls.bin"))), snapshotEvery: 16 }));
      cleanups.push(() => s.close());
      return s.port;
    },
  },
];

for (const way of helloWays) {
  describe(`hello, ${way.name}`, () => {
    it("break puts32, continue → pc = nm puts32, esi = msg_pm, x/s shows the string; stepi (lodsb) → al = 'x', esi+1; reverse-stepi → pc, esi, eax as before", async () => {
      const out = await gdb(await way.start(), ["break puts32", "continue", "p/x $pc", "p/x $esi", "p/x $eax", "x/s $esi",
        "stepi", "p/x $pc", "p/x $esi", "p/x $eax & 0xff", "reverse-stepi", "p/x $pc", "p/x $esi", "p/x $eax"], hello.elf);
      const v = values(out);
      expect(out).toContain('"x86rr hello: protected mode\\r\\n"');
      expect(v.slice(0, 2)).toEqual([hex(hello.addr.puts32), hex(hello.addr.msg_pm)]);
      expect(v.slice(3, 6)).toEqual([hex(hello.addr.puts32 + 1), hex(hello.addr.msg_pm + 1), "0x78"]);
      expect(v.slice(6, 9)).toEqual([hex(hello.addr.puts32), hex(hello.addr.msg_pm), v[2]]);
    });

    it("watch *(int*)0x80000 after paging is set up, reverse-continue → stops at the mov that wrote the PDE (Old 131, New 0)", async () => {
      const out = await gdb(await way.start(), [`break *${hex(helloAt.movCr4)}`, "continue", "delete", "watch *(int*)0x80000",
        "reverse-continue", "p/x $pc", "x/wx 0x80000"], hello.elf);
      expect(out).toMatch(/Hardware watchpoint 2: \*\(int\*\)0x80000\s+Old value = 131\s+New value = 0/);
      expect(values(out)).toEqual([hex(helloAt.movPde)]);
      expect(out).toMatch(/0x80000:\s+0x00000000/);
    });

    it("break puts32, continue ×2, delete, reverse-continue → 'No more reverse-execution history' at the entry 0x7c00, icount 0", async () => {
      const out = await gdb(await way.start(), ["break puts32", "continue", "continue", "delete", "reverse-continue", "p/x $pc", "p/x $cs", "monitor icount"], hello.elf);
      expect(out).toContain("No more reverse-execution history.");
      expect(values(out)).toEqual(["0x7c00", "0x0"]);
      expect(out).toMatch(/^0$/m);
    });
  });
}

for (const way of callsWays) {
  describe(`calls, ${way.name}`, () => {
    it("break add_to, continue → pc = nm add_to, [esp+4] = 5 (the first bump's EAX); stepi → edx = total = 0; reverse-stepi → pc add_to, edx as before", async () => {
      const out = await gdb(await way.start(), ["break add_to", "continue", "p/x $pc", "p $ecx", "x/wd $esp+4", "p/x $edx",
        "stepi", "p/x $pc", "p $edx", "reverse-stepi", "p/x $pc", "p/x $edx"], calls.elf);
      const v = values(out);
      expect(v[0]).toBe(hex(calls.addr.add_to));
      expect(v[1]).toBe("5");
      expect(out).toMatch(/:\s+5$/m);
      expect(v.slice(3, 5)).toEqual([hex(disassembly(calls.elf).after(calls.addr.add_to)), "0"]);
      expect(v.slice(5, 7)).toEqual([hex(calls.addr.add_to), v[2]]);
    });

    it("at the 3rd `loop` (total = 5+4+3 = 12), watch total, reverse-continue → stops at add_to's store with edx = 12 (Old 12, New 9)", async () => {
      const out = await gdb(await way.start(), [`break *${hex(callsAt.loopInsn)}`, "continue", "continue", "continue", "delete",
        "p *(int*)&total", "watch *(int*)&total", "reverse-continue", "p/x $pc", "p $edx", "p *(int*)&total"], calls.elf);
      expect(out).toMatch(/Old value = 12\s+New value = 9/);
      expect(values(out)).toEqual(["12", hex(callsAt.storeTotal), "12", "9"]);
    });

    it("reverse-continue from the 2nd add_to → 'No more reverse-execution history' at start (0x100000), total 0", async () => {
      const out = await gdb(await way.start(), ["break add_to", "continue", "continue", "delete", "reverse-continue", "p/x $pc", "p *(int*)&total"], calls.elf);
      expect(out).toContain("No more reverse-execution history.");
      expect(values(out)).toEqual([hex(calls.addr.start), "0"]);
    });

    it("at the 2nd `loop` (total 9), reverse-next → back over the whole call to `call bump` (total 5, ecx 4); next → over it again (total 9)", async () => {
      const out = await gdb(await way.start(), [`break *${hex(callsAt.loopInsn)}`, "continue", "continue", "delete", "p *(int*)&total",
        "reverse-next", "p/x $pc", "p *(int*)&total", "p $ecx", "next", "p/x $pc", "p *(int*)&total"], calls.elf);
      expect(values(out)).toEqual(["9", hex(callsAt.callBump), "5", "4", hex(callsAt.loopInsn), "9"]);
    });

    it("two instructions into the 2nd add_to, reverse-finish → `call add_to` in bump; again → `call bump` in start, total 5 throughout", async () => {
      const out = await gdb(await way.start(), ["break add_to", "continue", "continue", "delete", "stepi", "stepi",
        "reverse-finish", "p/x $pc", "bt 1", "reverse-finish", "p/x $pc", "p *(int*)&total"], calls.elf);
      expect(values(out)).toEqual([hex(callsAt.callAddTo), hex(callsAt.callBump), "5"]);
      expect(out).toMatch(/#0\s+(0x[0-9a-f]+ in )?bump \(\)/);
    });
  });
}
