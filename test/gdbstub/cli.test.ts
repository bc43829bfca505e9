// The CLI entry points (built dist/, as `npm test` builds it first) driven by the real gdb.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { gdb, helloSymbols, type Symbols } from "./helpers.js";

const cli = join(process.cwd(), "dist/src/cli/main.js");
let sym: Symbols;
let child: ChildProcess | undefined;

beforeAll(() => {
  if (!existsSync(join(process.cwd(), "dist/src/cli/gdb.js"))) execFileSync("npx", ["tsc", "-p", "."], { stdio: "ignore" });
  sym = helloSymbols();
}, 120_000);
afterEach(() => { child?.kill(); child = undefined; });

/** Starts the CLI; resolves with the port it printed and a getter for its output. */
function start(args: string[]): Promise<{ port: number; out: () => string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    let text = "";
    const exited = new Promise<number | null>((r) => c.on("exit", (code) => r(code)));
    const onData = (d: Buffer) => {
      text += d.toString("latin1");
      const m = /127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve({ port: Number(m[1]), out: () => text, exited });
    };
    c.stdout!.on("data", onData);
    c.stderr!.on("data", onData);
    c.on("exit", () => reject(new Error(`x86rr exited before listening: ${text}`)));
  });
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
