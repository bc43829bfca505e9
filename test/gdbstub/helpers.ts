// gdb test harness: the hello guest with an ELF symbol file (built here from the guest's nasm
// map, not committed), a stub on an ephemeral port, and the real gdb in batch mode.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";
import { BUNDLED_GUESTS, guestsDir, readGuestImage } from "../../src/cli/guests.js";
import { Machine } from "../../src/vmx/machine.js";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { GdbServer } from "../../src/cli/gdb-server.js";
import { encodePacket } from "../../src/gdbstub/packet.js";

export interface Symbols { elf: string; addr: Record<string, number> }

/** Assembles guests/hello.asm with a nasm symbol map, and wraps the same bytes in an ELF with those symbols. */
export function helloSymbols(): Symbols {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-gdb-"));
  const src = join(guestsDir(), "hello.asm");
  writeFileSync(join(dir, "pre.inc"), `[map symbols ${join(dir, "hello.map")}]\n`);
  execFileSync("nasm", ["-f", "bin", "-P", join(dir, "pre.inc"), src, "-o", join(dir, "hello.bin")]);
  const addr: Record<string, number> = {};
  for (const m of readFileSync(join(dir, "hello.map"), "latin1").matchAll(/^\s+([0-9A-F]+)\s+([0-9A-F]+)\s+([A-Za-z_][\w.]*)$/gm)) addr[m[3]] = parseInt(m[2], 16);
  const base = addr.start;
  const names = Object.keys(addr).filter((n) => !n.includes(".")).sort((a, b) => addr[a] - addr[b]);
  let asm = "section .text\n", at = 0;
  for (const n of names) {
    const off = addr[n] - base;
    if (off > at) asm += `incbin "${join(dir, "hello.bin")}", ${at}, ${off - at}\n`;
    asm += `global ${n}:function\n${n}:\n`;
    at = off;
  }
  asm += `incbin "${join(dir, "hello.bin")}", ${at}\n`;
  writeFileSync(join(dir, "hello-sym.asm"), asm);
  execFileSync("nasm", ["-f", "elf32", join(dir, "hello-sym.asm"), "-o", join(dir, "hello.o")]);
  execFileSync("ld", ["-m", "elf_i386", "-Ttext", `0x${base.toString(16)}`, "-e", "start", "-o", join(dir, "hello.elf"), join(dir, "hello.o")]);
  return { elf: join(dir, "hello.elf"), addr };
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
export function rawClient(port: number): Promise<{ send(b: string | Buffer): void; packet(p: string): void; received(): string; wait(ms: number): Promise<string>; close(): void }> {
  return new Promise((resolve, reject) => {
    let got = "";
    const s = createConnection({ port, host: "127.0.0.1" }, () => {
      resolve({
        send: (b) => s.write(b),
        packet: (p) => s.write(encodePacket(p)),
        received: () => got,
        wait: (ms) => new Promise((r) => setTimeout(() => r(got), ms)),
        close: () => s.destroy(),
      });
    });
    s.on("data", (d) => { got += d.toString("latin1"); });
    s.on("error", reject);
  });
}
