// gdb test harness: the hello guest with its symbol file (guests/hello.elf), a stub on an ephemeral port, and the real gdb in batch mode.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "node:net";
import { BUNDLED_GUESTS, guestSymbolFile, readGuestImage } from "../../src/cli/guests.js";
import { Machine } from "../../src/vmx/machine.js";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { GdbServer } from "../../src/cli/gdb-server.js";
import { encodePacket } from "../../src/gdbstub/packet.js";

export interface Symbols { elf: string; addr: Record<string, number> }

/** The committed symbol file guests/hello.elf, with its symbols' addresses as binutils' nm prints them. */
export function helloSymbols(): Symbols {
  const elf = guestSymbolFile(BUNDLED_GUESTS.find((x) => x.name === "hello")!);
  const addr: Record<string, number> = {};
  for (const m of execFileSync("nm", ["--defined-only", elf], { encoding: "latin1" }).matchAll(/^([0-9a-f]+) [tTdDbBrR] (\S+)$/gm)) addr[m[2]] = parseInt(m[1], 16);
  return { elf, addr };
}

export function helloMachine(serial?: number[]): Machine {
  const g = BUNDLED_GUESTS.find((x) => x.name === "hello")!;
  const m = new Machine({ memBytes: g.memBytes, onSerial: (b) => serial?.push(b) });
  m.loadBytes(g.loadAddress, readGuestImage(g));
  m.enter(g.entry);
  return m;
}

export interface Served { port: number; target: MachineTarget; server: GdbServer; close(): Promise<void> }

export async function serve(target: MachineTarget): Promise<Served> {
  const server = new GdbServer(target, { port: 0 });
  const port = await server.listen();
  return { port, target, server, close: () => server.close() };
}

/** Runs gdb in batch mode against the stub; resolves with its stdout+stderr. */
export function gdb(port: number, commands: string[], elf?: string): Promise<string> {
  const args = ["-nx", "-batch", "-ex", "set confirm off", "-ex", "set pagination off"];
  if (elf) args.push(elf);
  args.push("-ex", `target remote 127.0.0.1:${port}`);
  for (const c of commands) args.push("-ex", c);
  return new Promise((resolve) => {
    execFile("gdb", args, { timeout: 60_000 }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });
}

/** A raw protocol client: sends bytes, collects everything the stub sends back. */
export interface RawClient {
  send(b: string | Buffer): void;
  packet(p: string): void;
  received(): string;
  /** Everything received after `ms` milliseconds. */
  wait(ms: number): Promise<string>;
  /** What arrived after offset `from`, once it satisfies `done` (or after `ms`, whatever it is then). */
  until(from: number, done: (got: string) => boolean, ms?: number): Promise<string>;
  /** Everything received, once a complete packet has arrived since the last send. */
  reply(ms?: number): Promise<string>;
  close(): void;
}

export function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    let got = "", mark = 0;
    const until = (from: number, done: (got: string) => boolean, ms = 5000) => new Promise<string>((r) => {
      const t0 = Date.now();
      const check = () => {
        const part = got.slice(from);
        if (done(part) || Date.now() - t0 > ms) r(part);
        else setTimeout(check, 2);
      };
      check();
    });
    const s = createConnection({ port, host: "127.0.0.1" }, () => {
      resolve({
        send: (b) => { mark = got.length; s.write(b); },
        packet: (p) => { mark = got.length; s.write(encodePacket(p)); },
        received: () => got,
        wait: (ms) => new Promise((r) => setTimeout(() => r(got), ms)),
        until,
        reply: async (ms) => { await until(mark, (x) => /\$[^#$]*#[0-9a-f]{2}/.test(x), ms); return got; },
        close: () => s.destroy(),
      });
    });
    s.on("data", (d) => { got += d.toString("latin1"); });
    s.on("error", reject);
  });
}

/** The built CLI (dist/); built here when missing (`npm test` does not build). */
export const CLI = join(process.cwd(), "dist/src/cli/main.js");
export function ensureBuiltCli(): void {
  if (!existsSync(join(process.cwd(), "dist/src/cli/gdb.js"))) execFileSync("npx", ["tsc", "-p", "."], { stdio: "ignore" });
}

export interface CliServer { port: number; out: () => string; exited: Promise<number | null>; child: ChildProcess }

/** Starts `x86rr ARGS` (a gdb server); resolves with the port it printed once it listens. */
export function startCli(args: string[]): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    const exited = new Promise<number | null>((r) => c.on("exit", (code) => r(code)));
    const onData = (d: Buffer) => {
      text += d.toString("latin1");
      const m = /127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve({ port: Number(m[1]), out: () => text, exited, child: c });
    };
    c.stdout!.on("data", onData);
    c.stderr!.on("data", onData);
    c.on("exit", () => reject(new Error(`x86rr exited before listening: ${text}`)));
  });
}

/** Values of gdb's `$N = ...` lines, in order. */
export function values(out: string): string[] {
  return [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]);
}

/** objdump -d of an ELF: instruction address by a regex over its line (`addr:\tbytes\tmnemonic`). */
export function disassembly(elf: string): { at(re: RegExp): number; after(addr: number): number } {
  const text = execFileSync("objdump", ["-d", "-M", "intel", elf], { encoding: "latin1" });
  const lines = [...text.matchAll(/^\s+([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/gm)].map((m) => ({ addr: parseInt(m[1], 16), text: m[2].replace(/\s+/g, " ").trim() }));
  return {
    at(re) {
      const l = lines.find((x) => re.test(x.text));
      if (!l) throw new Error(`objdump ${elf}: no instruction matching ${re}`);
      return l.addr;
    },
    after(addr) {
      const i = lines.findIndex((x) => x.addr === addr);
      if (i < 0 || i + 1 >= lines.length) throw new Error(`objdump ${elf}: no instruction after ${addr.toString(16)}`);
      return lines[i + 1].addr;
    },
  };
}
