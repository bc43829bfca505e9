// Paging and system guests (guests/tests/paging-*.asm, sys-*.asm): assembled with nasm at test
// time, loaded at 0x8000 and started in real mode; pm-lib.inc takes them to protected mode.
// They report records (tag byte + little-endian dword) on port 0xE9, then write port 0xF4 and
// halt. Expected values come from the SDM; code addresses from nasm's symbol map.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { load, makeCpu, real16, runToHalt } from "../harness.js";

const GUESTS = join(import.meta.dirname, "../../../guests/tests");

function assemble(name: string): { bin: Buffer; sym: (s: string) => number } {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-sys-"));
  try {
    const bin = join(dir, `${name}.bin`), map = join(dir, `${name}.map`);
    execFileSync("nasm", ["-f", "bin", "-i", `${GUESTS}/`, "--before", `[map symbols ${map}]`, join(GUESTS, `${name}.asm`), "-o", bin], { stdio: "pipe" });
    const syms = new Map<string, number>();
    for (const line of readFileSync(map, "utf8").split("\n")) {
      const m = /^\s*([0-9A-F]+)\s+([0-9A-F]+)\s+(\S+)\s*$/.exec(line);
      if (m) syms.set(m[3], parseInt(m[2], 16));
    }
    return {
      bin: readFileSync(bin),
      sym: (s) => { const v = syms.get(s); if (v === undefined) throw new Error(`no symbol ${s}`); return v; },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runGuest(name: string) {
  const { bin, sym } = assemble(name);
  const { cpu, mem, host } = makeCpu();
  load(mem, 0x8000, bin);
  real16(cpu, 0, 0x8000);
  runToHalt(cpu, 500_000);
  const bytes = host.out.filter((o) => o.port === 0xe9).map((o) => o.value & 0xff);
  const records: Array<[number, number]> = [];
  for (let i = 0; i + 5 <= bytes.length; i += 5) {
    records.push([bytes[i], (bytes[i + 1] | (bytes[i + 2] << 8) | (bytes[i + 3] << 16) | (bytes[i + 4] << 24)) >>> 0]);
  }
  const finished = host.out.length > 0 && host.out[host.out.length - 1].port === 0xf4;
  return { records, finished, sym, reports: host.reports, cpu, mem };
}

const hex = (r: Array<[number, number]>) => r.map(([t, v]) => `${t.toString(16)}:${(v >>> 0).toString(16)}`);

// #PF error code bits (SDM Vol.3 Figure 6-11): P=1 protection violation (0: not present), W/R=1 write, U/S=1 user mode.
const P = 1, W = 2, U = 4;

describe("paging guests", () => {
  it("paging-faults: #PF error codes and CR2 for not-present, read-only, supervisor pages at CPL 0 and 3; CR0.WP; PDE∧PTE rights", () => {
    const { records, finished, sym } = runGuest("paging-faults");
    const pf = (err: number, cr2: number, at: string): Array<[number, number]> => [[0x0e, err], [0x82, cr2], [0x80, sym(at)]];
    expect(hex(records)).toEqual(hex([
      ...pf(0, 0x300000, "main.f1"),
      ...pf(W, 0x300004, "main.f2"),
      [0xa0, 0x11223344],             // WP=0: supervisor write to a read-only page succeeds (SDM Vol.3 4.6.1)
      ...pf(P | W, 0x303008, "main.f3"),  // WP=1: it faults
      ...pf(P | W, 0x301010, "main.f4"),  // WP=1 applies to user read-only pages too
      [0xa0, 0x11223344],             // the faulting write changed nothing
      [0xa1, 3],
      ...pf(P | U, 0x302000, "user.f5"),
      ...pf(P | W | U, 0x301000, "user.f6"),
      ...pf(U, 0x300fff, "user.f7"),
      ...pf(P | W | U, 0x303002, "user.f8"),
      [0xa0, 0xcafe0001],             // PDE US=1 R/W=0, PTE US=1 R/W=1: user read allowed
      ...pf(P | W | U, 0x400020, "user.f9"),
      ...pf(P | U, 0x800000, "user.f10"),
    ]));
    expect(finished).toBe(true);
  });

  it("paging-tlb: A/D bits, 4 MiB PSE pages, stale PTE until INVLPG, global pages across CR3 loads, PGE toggle, INVLPG of a large page", () => {
    const { records, finished } = runGuest("paging-tlb");
    const PT3 = 0x204000, A = 0x20, D = 0x40, PS = 0x80, PRW = 3;
    const OLD = 0xaaaa0000, NEW = 0xbbbb0000;
    expect(hex(records)).toEqual(hex([
      [0xb0, PT3 | PRW],              // as written
      [0xb1, 0x600d0001],
      [0xb2, PT3 | PRW | A],          // SDM 4.8: A set in every entry used by the translation
      [0xb3, 0x320000 | PRW | A],     // a read does not set D
      [0xb4, 0x320000 | PRW | A | D], // a write sets D in the entry that maps the page
      [0xb5, PT3 | PRW | A],          // bit 6 of a PDE referencing a page table is ignored, not set
      [0xc0, 0x600d0001],             // 0x1320000 → physical 0x320000 through the 4 MiB page
      [0xc1, PRW | PS | A],
      [0xc2, PRW | PS | A | D],
      [0xc3, 0x77],
      [0xd0, OLD],
      [0xd1, OLD],                    // SDM 4.10.4.3: software must invalidate; the TLB may keep the old entry
      [0xd2, NEW],
      [0xe0, OLD],                    // SDM 4.10.4.1: MOV to CR3 keeps global translations
      [0xe1, NEW],
      [0xe2, NEW],                    // INVLPG invalidates global entries too
      [0xe3, OLD],
      [0xe4, OLD],
      [0xe5, NEW],                    // a CR4.PGE change invalidates everything, global included
      [0xe6, NEW],
      [0xf0, OLD],                    // still the global large page
      [0xf1, 0xffffffff],             // INVLPG of 0x1500000 dropped the whole 4 MiB page: now unbacked
      [0xf2, 0xffffffff],
    ]));
    expect(finished).toBe(true);
  });
});

describe("PAE paging guest", () => {
  it("paging-pae: 4 KiB and 2 MiB pages, A/D bits, RSVD faults, not-present PDPTE, PDPTE reserved bits → #GP, PDPTEs cached until CR3 load", () => {
    const { records, finished, sym } = runGuest("paging-pae");
    const pf = (err: number, cr2: number, at: string): Array<[number, number]> => [[0x0e, err], [0x82, cr2], [0x80, sym(at)]];
    const RSVD = 8, A = 0x20, D = 0x40, PS = 0x80, PRW = 3;
    expect(hex(records)).toEqual(hex([
      [0xb0, 0x600d0001],
      [0xb1, 0x320000 | PRW | A],
      [0xb2, 0x320000 | PRW | A | D],
      [0xb3, 0x209000 | PRW | A],
      [0xb4, 0x600d0001],
      [0xb5, 0x200000 | PRW | PS | A],
      ...pf(0, 0x40001000, "main.f1"),
      ...pf(P | RSVD, 0x40002000, "main.f2"),       // SDM Vol.3 4.7: reserved bit → P=1, RSVD=1
      ...pf(P | W | RSVD, 0x40400000, "main.f3"),
      ...pf(0, 0x80000000, "main.f4"),
      [0x0d, 0], [0x8d, sym("main.f5")],            // SDM Vol.2 MOV CR3: reserved PDPTE bits → #GP(0)
      [0xb6, 0x205000],                             // CR3 not changed by the faulting load
      [0xb7, 0x600d0001],                           // SDM Vol.3 4.4.1: PDPTEs are not re-read by walks
      ...pf(0, 0x40000000, "main.f6"),
    ]));
    expect(finished).toBe(true);
  });
});

describe("system guests", () => {
  it("sys-debug: instruction breakpoint faults twice in a loop (RF restarts it), data write trap, TF single-step trap; DR6 and pushed RF", () => {
    const { records, finished, sym } = runGuest("sys-debug");
    expect(hex(records)).toEqual(hex([
      [0x01, 0xffff0ff1], [0x80, sym("target")], [0x81, 0],  // instruction breakpoint: fault, RF pushed as is (0)
      [0x01, 0xffff0ff1], [0x80, sym("target")], [0x81, 0],  // RF cleared after the restarted instruction: hits again
      [0xa0, 2],                                             // the instruction ran exactly twice
      [0x01, 0xffff0ff2], [0x80, sym("after_write")], [0x81, 0], // data breakpoint: trap after the write
      [0x01, 0xffff4ff0], [0x80, sym("after_nop")], [0x81, 0],   // single step: BS, after the instruction following POPFD
    ]));
    expect(finished).toBe(true);
  });

  it("sys-sysenter: SYSEXIT → CS 0x1b SS 0x23 ESP=ECX; SYSENTER → CS 0x08 SS 0x10 ESP=SYSENTER_ESP, IF cleared", () => {
    const { records, finished, sym } = runGuest("sys-sysenter");
    expect(hex(records)).toEqual(hex([
      [0xa0, 0x1b], [0xa1, 0x23], [0xa2, 0x70000],
      [0xb0, 0x08], [0xb1, 0x10], [0xb2, 0x90000 - 0x400], [0xb3, 0], [0xb4, sym("kentry")],
      [0xa3, 0x70000 - 0x10],
    ]));
    expect(finished).toBe(true);
  });
});
