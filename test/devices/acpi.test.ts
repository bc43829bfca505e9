// ACPI PM registers against the ACPI specification's register descriptions (§4.8.3), and the
// ACPI tables against ACPICA's disassembler (`iasl -d`, Debian acpica-tools): an independent
// parser decodes every table, and the DSDT's AML, exactly as an OS would.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AcpiPm, ACPI_PM_TIMER_HZ } from "../../src/devices/acpi-pm.js";
import { writeAcpiTables } from "../../src/devices/acpi-tables.js";
import { Reporter } from "../../src/devices/device.js";
import { IrqLevels } from "../../src/devices/irq.js";
import { bigNsOfTick, bigTicks, makeClock } from "./helpers.js";

function setup() {
  const c = makeClock();
  const irqs = new IrqLevels(1);
  const reports: string[] = [];
  let powerOffs = 0;
  const pm = new AcpiPm({ clock: c.clock, sci: irqs.line(0), reporter: new Reporter((r) => reports.push(r.message)), onPowerOff: () => powerOffs++ });
  return { ...c, irqs, pm, reports, powerOffs: () => powerOffs };
}

describe("ACPI PM timer (ACPI §4.8.3.3: 24-bit, 3.579545 MHz)", () => {
  it("PM_TMR at guest time t reads floor(t · 3579545 / 1e9) mod 2^24; bits 31:24 read 0", () => {
    const s = setup();
    for (const t of [0, 279, 280, 1_000_000_000, 4_686_846_000, 123_456_789_012]) {
      s.advanceTo(t);
      expect(s.pm.read(8, 4)).toBe(bigTicks(t, ACPI_PM_TIMER_HZ) % 2 ** 24);
    }
  });
  it("byte reads of PM_TMR assemble the same little-endian value", () => {
    const s = setup();
    s.advanceTo(3_333_333_333);
    const v = bigTicks(3_333_333_333, ACPI_PM_TIMER_HZ) % 2 ** 24;
    expect([8, 9, 10, 11].map((o) => s.pm.read(o, 1))).toEqual([v & 0xff, (v >> 8) & 0xff, v >> 16, 0]);
  });
  it("TMR_STS is set when bit 23 of the count changes and cleared by writing 1 (write-1-to-clear)", () => {
    const s = setup();
    const carry = bigNsOfTick(2 ** 23, ACPI_PM_TIMER_HZ);
    s.advanceTo(carry - 1);
    expect(s.pm.read(0, 2) & 1).toBe(0);
    s.advanceTo(carry);
    expect(s.pm.read(0, 2) & 1).toBe(1);
    s.pm.write(0, 2, 0); // writing 0 leaves it
    expect(s.pm.read(0, 2) & 1).toBe(1);
    s.pm.write(0, 2, 1);
    expect(s.pm.read(0, 2) & 1).toBe(0);
  });
  it("TMR_EN with SCI_EN: the SCI rises exactly at the carry of bit 23 and falls when TMR_STS is cleared", () => {
    const s = setup();
    s.pm.write(2, 2, 1); // PM1_EN.TMR_EN
    const carry = bigNsOfTick(2 ** 23, ACPI_PM_TIMER_HZ);
    s.advanceTo(carry - 1);
    expect(s.irqs.levels[0]).toBe(0);
    s.advanceTo(carry);
    expect(s.irqs.levels[0]).toBe(1);
    s.pm.write(0, 2, 1);
    expect(s.irqs.levels[0]).toBe(0);
  });
});

describe("ACPI PM1 control (ACPI §4.8.3.2)", () => {
  it("SCI_EN reads 1 from reset (SMI_CMD = 0: always in ACPI mode); SLP_EN reads 0", () => {
    const s = setup();
    expect(s.pm.read(4, 2)).toBe(1);
  });
  it("SLP_TYP=0 (the \\_S5 value) then SLP_EN → power off; SLP_TYP alone does nothing", () => {
    const s = setup();
    s.pm.write(4, 2, 0 << 10 | 1);
    expect(s.powerOffs()).toBe(0);
    s.pm.write(4, 2, (0 << 10) | (1 << 13) | 1);
    expect(s.powerOffs()).toBe(1);
    expect(s.pm.read(4, 2) & (1 << 13)).toBe(0);
  });
  it("a byte write of SLP_EN to the high byte (offset 5) powers off too", () => {
    const s = setup();
    s.pm.write(5, 1, 0x20);
    expect(s.powerOffs()).toBe(1);
  });
  it("SLP_EN with a sleep type other than S5 → reported, no power off", () => {
    const s = setup();
    s.pm.write(4, 2, (1 << 10) | (1 << 13) | 1);
    expect(s.powerOffs()).toBe(0);
    expect(s.reports.join("\n")).toMatch(/sleep type 1/);
  });
});

function iasl(table: Uint8Array, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-acpi-"));
  writeFileSync(join(dir, `${name}.dat`), table);
  try {
    execFileSync("iasl", ["-d", `${name}.dat`], { cwd: dir, stdio: "pipe" });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === "ENOENT") throw new Error("iasl not found: install Debian's acpica-tools (.ci/run does)");
    throw new Error(`iasl -d ${name}.dat failed: ${err.stderr?.toString() ?? e}`);
  }
  return readFileSync(join(dir, `${name}.dsl`), "utf8");
}

describe("ACPI tables, decoded by ACPICA's iasl -d", () => {
  const mem = new Uint8Array(0x100000);
  const { rsdp } = writeAcpiTables(mem, { ioApicId: 1 });
  const u32 = (a: number) => (mem[a] | (mem[a + 1] << 8) | (mem[a + 2] << 16) | (mem[a + 3] << 24)) >>> 0;
  const tableAt = (a: number) => mem.slice(a, a + u32(a + 4));
  const sum = (b: Uint8Array) => b.reduce((s, x) => (s + x) & 0xff, 0);

  it("the RSDP is found the way an OS scans (\"RSD PTR \" on a 16-byte boundary in 0xE0000-0xFFFFF) and its 20 bytes sum to 0", () => {
    let found = -1;
    for (let a = 0xe0000; a < 0x100000 && found < 0; a += 16) if (String.fromCharCode(...mem.subarray(a, a + 8)) === "RSD PTR ") found = a;
    expect(found).toBe(rsdp);
    expect(sum(mem.subarray(found, found + 20))).toBe(0);
  });
  it("RSDT → FACP and APIC; every table's bytes sum to 0", () => {
    const rsdt = tableAt(u32(rsdp + 16));
    const dsl = iasl(rsdt, "rsdt");
    const ptrs = [...dsl.matchAll(/ACPI Table Address\s+\d+ : ([0-9A-F]+)/g)].map((m) => parseInt(m[1], 16));
    expect(ptrs.map((p) => String.fromCharCode(...mem.subarray(p, p + 4)))).toEqual(["FACP", "APIC"]);
    for (const p of [u32(rsdp + 16), ...ptrs]) expect(sum(tableAt(p))).toBe(0);
  });
  it("FADT: SCI 9, PM1a event 0x600, control 0x604, timer 0x608 (4 bytes), DSDT with \\_S5 = {0,0,0,0}", () => {
    const rsdt = tableAt(u32(rsdp + 16));
    const fadtAt = u32(u32(rsdp + 16) + 36);
    const dsl = iasl(tableAt(fadtAt), "facp");
    expect(dsl).toMatch(/SCI Interrupt : 0009/);
    expect(dsl).toMatch(/PM1A Event Block Address : 00000600/);
    expect(dsl).toMatch(/PM1A Control Block Address : 00000604/);
    expect(dsl).toMatch(/PM Timer Block Address : 00000608/);
    expect(dsl).toMatch(/PM Timer Block Length : 04/);
    expect(rsdt.length).toBe(44);
    const dsdtAt = parseInt(/DSDT Address : ([0-9A-F]+)/.exec(dsl)![1], 16);
    const facsAt = parseInt(/FACS Address : ([0-9A-F]+)/.exec(dsl)![1], 16);
    expect(facsAt % 64).toBe(0);
    expect(iasl(tableAt(facsAt), "facs")).toMatch(/Signature : "FACS"/);
    const dsdt = iasl(tableAt(dsdtAt), "dsdt").replace(/\/\/.*$/gm, "").replace(/\s+/g, " ");
    expect(dsdt).toMatch(/Name \(_S5, Package \(0x04\) \{ Zero, Zero, Zero, Zero \}\)/);
  });
  it("MADT: local APIC 0 enabled, IO-APIC 1 at 0xFEC00000 GSI base 0, IRQ0→GSI2, SCI level/active-high, LINT1 NMI", () => {
    const madtAt = u32(u32(rsdp + 16) + 40);
    const dsl = iasl(tableAt(madtAt), "apic").replace(/\s+/g, " ");
    expect(dsl).toMatch(/Local Apic Address : FEE00000/);
    expect(dsl).toMatch(/Processor Local APIC\] .*? Local Apic ID : 00 .*? Processor Enabled : 1/);
    expect(dsl).toMatch(/I\/O APIC\] .*? I\/O Apic ID : 01 .*? Address : FEC00000 .*? Interrupt : 00000000/);
    expect(dsl).toMatch(/Source : 00 .*? Interrupt : 00000002 .*? Flags \(decoded below\) : 0000/);
    expect(dsl).toMatch(/Source : 09 .*? Interrupt : 00000009 .*? Polarity : 1 Trigger Mode : 3/);
    expect(dsl).toMatch(/Local APIC NMI\] .*? Interrupt Input LINT : 01/);
  });
});
