// The CLI's record/replay paths end to end (dist/ build): serial input from a pipe and from a
// terminal (python3's pty module types keys), --clock host recorded and replayed, and replay
// snapshots saved beside the trace, listed by info, and resumed from.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const cli = join(process.cwd(), "dist/src/cli/main.js");
const tmp = tempDir();

function x86rr(args: string[], input = "") {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: "latin1", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs x86rr on a terminal, typing `keys` once it is in raw mode; then `stty -a` on the same terminal. */
function onTerminal(args: string[], keys: string) {
  const sh = `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} ${args.map((a) => JSON.stringify(a)).join(" ")}; echo "[status $?]"; stty -a`;
  const r = spawnSync("python3", [join(__dirname, "pty-run.py"), Buffer.from(keys, "latin1").toString("hex"), "--", "sh", "-c", sh], { encoding: "latin1", timeout: 120_000 });
  return r.stdout;
}

describe("serial input from stdin", () => {
  it("echo guest, stdin a pipe with 'hey.' → COM1 echoes HEY. (upper-cased) and the guest exits with the byte count 4 (echo.asm)", () => {
    const r = x86rr(["run", "echo"], "hey.");
    expect(r.stdout).toBe("HEY.");
    expect(r.status).toBe(4);
  });

  it("echo guest on a terminal: h i, Ctrl-A Ctrl-A, Ctrl-A x → echoes H I and one Ctrl-A, stops as the user asked, and the terminal is back in canonical mode with echo", () => {
    const out = onTerminal(["run", "echo"], "hi\x01\x01\x01x");
    expect(out).toContain("HI\x01x86rr: stopped by the user after");
    expect(out).toContain("[status 0]");
    const stty = out.slice(out.indexOf("[status"));
    expect(stty).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(stty).toMatch(/(^|\s)echo(\s|$)/m);
  });

  it("record echo on a terminal typing 'go.' → the recording ends with the guest (status 3) and replays to the same GO.", () => {
    const trace = tmp.file("tty.x86rr");
    const out = onTerminal(["record", "echo", "-o", trace], "go.");
    expect(out).toContain("GO.");
    expect(out).toContain("[status 3]");
    const rep = x86rr(["replay", trace]);
    expect(rep.stdout).toBe("GO.");
    expect(rep.stderr).toContain("replay identical");
  });
});

describe("--clock host", () => {
  it("record echo --clock host with piped input → header clock host, HOST_TIME events; replay prints the same output and verifies", () => {
    const trace = tmp.file("host.x86rr");
    const rec = x86rr(["record", "echo", "--clock", "host", "-o", trace], "ok.");
    expect(rec.stdout).toBe("OK.");
    const info = x86rr(["info", trace]).stdout;
    expect(info).toMatch(/clock\s+"host"/);
    expect(info).toMatch(/HOST_TIME\s+[1-9]/);
    const rep = x86rr(["replay", trace]);
    expect(rep.stdout).toBe("OK.");
    expect(rep.stderr).toMatch(/replay identical: \d+ instructions, 1 digests verified, ended as recorded \(exit 7\)/);
  });

  it("--clock sideways → a one-line error, no stack", () => {
    const r = x86rr(["run", "hello", "--clock", "sideways"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('expected virtual or host, got "sideways"');
    expect(r.stderr).not.toContain("    at ");
  });
});

describe("replay --snapshot-every / --from-snapshot", () => {
  it("demo guest: snapshots every 50,000 instructions listed by info; resuming from the one at 100,000 ends with the straight replay's machine digest", () => {
    const trace = tmp.file("demo.x86rr");
    expect(x86rr(["record", "demo", "-o", trace, "--digest-every", "30000"]).stderr).toContain("recorded");
    const straight = x86rr(["replay", trace, "--print-digest", "--snapshot-every", "50000"]);
    expect(straight.stderr).toContain("replay identical");
    const icount = Number(/replay identical: (\d+) instructions/.exec(straight.stderr)![1]);
    const expected = Math.floor((icount - 1) / 50000);
    expect(straight.stderr).toContain(`${expected} snapshots (every 50000 instructions) saved in ${trace}.snapshots`);
    const info = x86rr(["info", trace]).stdout;
    expect(info).toContain(`replay snapshots ${expected} in ${trace}.snapshots`);
    for (let k = 1; k <= expected; k++) expect(info).toContain(`  icount ${k * 50000} (`);

    const resumed = x86rr(["replay", trace, "--print-digest", "--from-snapshot", "120000"]);
    expect(resumed.stderr).toContain("starting from the snapshot at icount 100000");
    expect(resumed.stderr).toContain(`replay identical: ${icount} instructions`);
    const digest = (s: string) => /machine (.*) icount/.exec(s)![1];
    expect(digest(resumed.stdout)).toBe(digest(straight.stdout));
    // The demo prints only at its end, so the resumed replay prints all of it.
    expect(resumed.stdout.replace(/machine .*\n/, "")).toBe(straight.stdout.replace(/machine .*\n/, ""));
  });

  it("a snapshot side file left from another trace → refused with a one-line error", () => {
    const a = tmp.file("a.x86rr");
    writeFileSync(join(tmp.dir, "in.txt"), "x.");
    x86rr(["record", "echo", "-o", a, "--serial-in", join(tmp.dir, "in.txt")]);
    x86rr(["replay", a, "--snapshot-every", "20"]);
    x86rr(["record", "echo", "-o", a, "--serial-in", join(tmp.dir, "in.txt")]);
    const r = x86rr(["replay", a, "--from-snapshot", "40"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^x86rr: .*a\.x86rr\.snapshots: .*belong to another trace/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
