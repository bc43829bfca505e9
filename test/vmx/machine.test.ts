// The machine end to end on the bundled guests: devices, VM exits, the run loop.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import { ExitReason } from "../../src/vmx/exit-reasons.js";
import { Machine, PAUSE_NS } from "../../src/vmx/machine.js";

function bootBundled(name: string, max = 10_000_000) {
  const g = findGuest(name)!;
  const serial: number[] = [];
  const m = new Machine({ memBytes: g.memBytes, onSerial: (b) => serial.push(b) });
  m.loadBytes(g.loadAddress, readGuestImage(g));
  m.enter(g.entry);
  const end = m.run(max);
  return { m, end, serial: Buffer.from(serial).toString("latin1") };
}

function assemble(src: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-machine-"));
  writeFileSync(join(dir, "g.asm"), src);
  execFileSync("nasm", ["-f", "bin", "-o", join(dir, "g.bin"), join(dir, "g.asm")]);
  return new Uint8Array(readFileSync(join(dir, "g.bin")));
}

describe("machine", () => {
  it("hello: prints three lines on COM1 through the 16550 and exits through port 0xf4 with value 0", () => {
    const { m, end, serial } = bootBundled("hello");
    expect(end).toEqual({ kind: "exit", code: 1 });
    expect(serial).toBe("x86rr hello: real mode\r\nx86rr hello: protected mode\r\nx86rr hello: paging on, bye\r\n");
    // Every serial byte is one OUT exit to 0x3f8; each is preceded by at least one LSR read.
    expect(m.vmm.stats.ioWrites[0x3f8]).toBe(serial.length);
    expect(m.vmm.stats.ioReads[0x3fd]).toBeGreaterThanOrEqual(serial.length);
    expect(m.reports).toEqual([]);
  });

  it("the same guest run twice retires the same number of instructions (virtual clock: deterministic)", () => {
    expect(bootBundled("hello").m.cpu.icount).toBe(bootBundled("hello").m.cpu.icount);
  });

  it("a guest that programs PIT channel 0 (mode 2, 1000 Hz), unmasks IRQ0 and HLTs is woken by 10 timer interrupts 1 ms of guest time apart", () => {
    const img = assemble(`
      bits 16
      org 0x7c00
      cli
      xor ax, ax
      mov ds, ax
      mov ss, ax
      mov sp, 0x7c00
      mov word [0x20*4], irq0        ; IVT[0x20] = 0000:irq0
      mov word [0x20*4+2], 0
      mov al, 0x11                   ; ICW1: edge, cascade, ICW4
      out 0x20, al
      mov al, 0x20                   ; ICW2: vectors 0x20-0x27
      out 0x21, al
      mov al, 0x04
      out 0x21, al
      mov al, 0x01                   ; ICW4: 8086 mode
      out 0x21, al
      mov al, 0xfe                   ; unmask IRQ0 only
      out 0x21, al
      mov al, 0x34                   ; PIT ch0, lobyte/hibyte, mode 2
      out 0x43, al
      mov ax, 1193                   ; 1193182 Hz / 1193 ≈ 1000 Hz
      out 0x40, al
      mov al, ah
      out 0x40, al
      xor bx, bx
      sti
idle: hlt
      cmp bx, 10
      jb idle
      mov al, 0
      out 0xf4, al
      hlt
irq0: inc bx
      rdtsc                          ; TSC = guest ns (1 GHz): record the time of each tick
      mov si, bx
      shl si, 2
      mov [0x600 + si], eax
      mov al, 0x20                   ; EOI
      out 0x20, al
      iret
    `);
    const m = new Machine({ memBytes: 1 << 20 });
    m.loadBytes(0x7c00, img);
    m.enter({ mode: "real16", cs: 0, ip: 0x7c00 });
    const end = m.run(5_000_000);
    expect(end).toEqual({ kind: "exit", code: 1 });
    const t = (i: number) => m.mem.view.getUint32(0x600 + i * 4, true);
    // The PIT period is 1193 ticks of a 1193182 Hz clock = 999,847.39 ns. Each handler reads the
    // TSC a fixed number of instructions after its interrupt, so consecutive stamps are one period
    // apart, rounded to whole ns: 999,847 or 999,848, summing to 9 periods within 1 ns.
    for (let i = 2; i <= 10; i++) expect([999847, 999848]).toContain(t(i) - t(i - 1));
    expect(Math.abs(t(10) - t(1) - (9 * 1193 * 1e9) / 1193182)).toBeLessThanOrEqual(1);
    expect(m.vmm.stats.byReason[ExitReason.EXTERNAL_INTERRUPT]).toBe(10);
    // The guest halted each time: far fewer instructions than 10 ms of guest time at 1 ns each.
    expect(m.cpu.icount).toBeLessThan(2000);
  });
});

describe("PAUSE in the virtual clock", () => {
  it("rdtsc; 1000 × pause; rdtsc → the TSC advanced by the instructions retired plus 1000 × PAUSE_NS; NOP (90 without F3) costs nothing extra", () => {
    const img = assemble(`
      bits 16
      org 0x7c00
      rdtsc
      mov esi, eax
      mov cx, 1000
    l1: pause
      loop l1
      rdtsc
      sub eax, esi
      mov [0x600], eax
      rdtsc
      mov esi, eax
      mov cx, 1000
    l2: nop
      loop l2
      rdtsc
      sub eax, esi
      mov [0x604], eax
      mov al, 0
      out 0xf4, al
    `);
    const m = new Machine({ memBytes: 1 << 20 });
    m.loadBytes(0x7c00, img);
    m.enter({ mode: "real16", cs: 0, ip: 0x7c00 });
    expect(m.run(100_000)).toEqual({ kind: "exit", code: 1 });
    // Between the two RDTSCs: mov esi, mov cx, 1000 × (pause, loop), rdtsc → 2003 instructions.
    expect(m.mem.view.getUint32(0x600, true)).toBe(2003 + 1000 * PAUSE_NS);
    expect(m.mem.view.getUint32(0x604, true)).toBe(2003);
  });
});

describe("x86rr run (CLI, the built dist/ that `npm test` builds first)", () => {
  it("run hello prints the guest's serial output on stdout and exits 0; an unknown guest name is a clear error", () => {
    const r = spawnSync(process.execPath, [join(__dirname, "../../dist/src/cli/main.js"), "run", "nosuchguest"], { encoding: "utf8" });
    if (r.error || r.status === null) throw r.error ?? new Error("cli did not run");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no bundled guest named "nosuchguest"; choose one of: hello/);
    const ok = spawnSync(process.execPath, [join(__dirname, "../../dist/src/cli/main.js"), "run", "hello"], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("x86rr hello: paging on, bye");
  });
});
