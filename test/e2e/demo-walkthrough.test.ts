// The README walk-through ("Finding a race with record, bisect and reverse debugging"), end to
// end with the built CLI and the real gdb: record the demo until it reports the race, replay it,
// bisect to the first lost update, open gdb there and reverse-continue on a watchpoint to the
// racy store. Oracles: the guest's own verdict, nm's addresses for the demo's labels (binutils),
// and gdb's view of registers and memory.
// Clock: --clock host, so whether a run races depends on host timing (the loop is the point).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gdb } from "../gdbstub/helpers.js";

const cli = join(process.cwd(), "dist/src/cli/main.js");
const elf = join(process.cwd(), "guests/demo.elf");
const dir = mkdtempSync(join(tmpdir(), "x86rr-walkthrough-"));
const trace = join(dir, "demo.x86rr");
const addr: Record<string, number> = {};
const children: { kill(): void }[] = [];

const x86rr = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "latin1", timeout: 120_000 });

beforeAll(() => {
  try { execFileSync("npx", ["tsc", "-p", "."], { stdio: "ignore" }); } catch { /* type errors elsewhere in the tree still emit dist/ */ }
  for (const m of execFileSync("nm", ["--defined-only", elf], { encoding: "latin1" }).matchAll(/^([0-9a-f]+) \w (\S+)$/gm)) addr[m[2]] = parseInt(m[1], 16);
}, 180_000);
afterAll(() => { for (const c of children) c.kill(); });

describe("README walk-through: the demo's lost update", () => {
  let bisectOut = "";
  let icount = 0;

  it("x86rr record demo --clock host in a loop until the exit status is 82 (RACE DETECTED): the guest printed a counter below 6000", () => {
    let r = x86rr(["record", "demo", "--clock", "host", "-o", trace]);
    for (let i = 0; i < 40 && r.status === 0; i++) r = x86rr(["record", "demo", "--clock", "host", "-o", trace]);
    expect(r.status).toBe(82);
    const m = /counter=(\d+) expected=(\d+)\nRACE DETECTED/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(Number(m![2]));
    expect(Number(m![2])).toBe(6000);
  });

  it("x86rr replay demo.x86rr: identical, same output", () => {
    const r = x86rr(["replay", trace]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/replay identical: \d+ instructions, \d+ digests verified, ended as recorded/);
    expect(r.stdout).toContain("RACE DETECTED");
  });

  it("x86rr bisect --until 'mem:counter:u32 < mem:ops:u32' → the first state after a store at increment.store (address from nm)", () => {
    const r = x86rr(["bisect", trace, "--until", "mem:counter:u32 < mem:ops:u32"]);
    bisectOut = r.stdout;
    expect(r.status).toBe(0);
    const m = /first true at icount (\d+)\n\s+made true by instruction \d+: 0x([0-9a-f]+) <increment\.store>/.exec(r.stdout);
    expect(m).not.toBeNull();
    icount = Number(m![1]);
    expect(parseInt(m![2], 16)).toBe(addr["increment.store"]);
    expect(r.stdout).not.toContain("NOT MONOTONIC");
    expect(r.stdout).toContain(`monitor seek ${icount}`);
  });

  it("gdb at that icount: counter < ops; reverse-continue on a watchpoint stops at the racy store, whose EAX is below the counter it overwrites; a few reverse-stepi reach timer_isr", async () => {
    const srv = spawn(process.execPath, [cli, "gdb", trace, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(srv);
    const port = await new Promise<number>((resolve, reject) => {
      let text = "";
      srv.stderr!.on("data", (d: Buffer) => { text += d.toString(); const p = /127\.0\.0\.1:(\d+)/.exec(text); if (p) resolve(Number(p[1])); });
      srv.on("exit", () => reject(new Error(text)));
    });
    const out = await gdb(port, [
      `monitor seek ${icount}`,
      "print *(unsigned *)&counter < *(unsigned *)&ops",
      "watch *(unsigned *)&counter",
      "reverse-continue",
      "print/x $pc",
      "print $eax",
      "print *(unsigned *)&counter",
      "monitor icount",
      ...Array.from({ length: 4 }, () => ["reverse-stepi", "print/x $pc"]).flat(),
    ], elf);
    expect(bisectOut).toContain("target remote");
    expect(out).toContain(`at icount ${icount}`);
    const values = [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]);
    expect(values[0]).toBe("1");
    expect(parseInt(values[1], 16)).toBe(addr["increment.store"]);
    const eax = Number(values[2]), counter = Number(values[3]);
    expect(eax).toBeLessThan(counter);
    expect(out).toMatch(new RegExp(`^${icount - 1}$`, "m"));
    // At most four instructions back (the window is load, imul, add, inc) lies the IRET in
    // timer_isr that resumed this task in the middle of increment.
    const back = values.slice(4).map((v) => parseInt(v, 16));
    expect(back.some((pc) => pc >= addr.timer_isr && pc < addr.task_a)).toBe(true);
  }, 120_000);
});

describe("x86rr bisect on the command line", () => {
  it("js:PATH module (default export reading counter and ops at nm's addresses) → the same icount as the mem: predicate", () => {
    const js = join(dir, "lost.mjs");
    writeFileSync(js, `export default (m) => m.mem.view.getUint32(${addr.counter}, true) < m.mem.view.getUint32(${addr.ops}, true);\n`);
    const a = x86rr(["bisect", trace, "--until", `js:${js}`]);
    const b = x86rr(["bisect", trace, "--until", "mem:counter:u32 < mem:ops:u32"]);
    const at = (out: string) => /first true at icount (\d+)/.exec(out)?.[1];
    expect(a.status).toBe(0);
    expect(at(a.stdout)).toBeDefined();
    expect(at(a.stdout)).toBe(at(b.stdout));
  });

  it("'mem:counter:u64 == 1' → exit 2 and one line on stderr, no stack trace", () => {
    const r = x86rr(["bisect", trace, "--until", "mem:counter:u64 == 1"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^x86rr: mem: expected mem:ADDR:u8\|u16\|u32 OP VALUE/);
  });
});
