// The CLI entry points (dist/, built here when missing) driven by the real gdb.
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLI as cli, ensureBuiltCli, gdb, helloSymbols, startCli, type Symbols } from "./helpers.js";

let sym: Symbols;
let child: ChildProcess | undefined;

beforeAll(() => {
  ensureBuiltCli();
  sym = helloSymbols();
}, 120_000);
afterEach(() => { child?.kill(); child = undefined; });

async function start(args: string[]) {
  const s = await startCli(args);
  child = s.child;
  return s;
}

describe("x86rr CLI with gdb", () => {
  it("run hello --gdb 0 --gdb-wait: gdb breaks at puts32 before any output; after continue to the end the guest's output is printed and x86rr exits 0", async () => {
    const s = await start(["run", "hello", "--gdb", "0", "--gdb-wait"]);
    const out = await gdb(s.port, ["break puts32", "continue", "p/x $esi", "delete", "continue"], sym.elf);
    expect(out).toMatch(/\$1 = 0x7ce7/);
    expect(out).toContain("exited normally");
    expect(await s.exited).toBe(0);
    expect(s.out()).toContain("x86rr hello: paging on, bye");
  }, 60_000);

  it("record hello, then x86rr gdb TRACE --port 0: continue → end of the trace, reverse-stepi steps back one instruction", async () => {
    const dir = mkdtempSync(join(tmpdir(), "x86rr-cli-gdb-"));
    const trace = join(dir, "hello.x86rr");
    execFileSync(process.execPath, [cli, "record", "hello", "-o", trace], { stdio: "ignore" });
    const s = await start(["gdb", trace, "--port", "0"]);
    const out = await gdb(s.port, ["continue", "monitor icount", "reverse-stepi", "monitor icount"], sym.elf);
    expect(out).toContain("No more reverse-execution history.");
    const counts = [...out.matchAll(/^(\d+)$/gm)].map((m) => Number(m[1]));
    expect(counts.length).toBe(2);
    expect(counts[1]).toBe(counts[0] - 1);
  }, 60_000);
});
