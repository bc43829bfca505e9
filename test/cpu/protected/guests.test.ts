// System-level guests (guests/tests/pm-*.asm): assembled with nasm at test time, loaded at
// 0x8000 and started in real mode. They switch to protected mode themselves and report
// records (tag byte + little-endian dword) on port 0xE9, then write port 0xF4 and halt.
// Expected values come from the SDM; code addresses from nasm's symbol map.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { load, makeCpu, real16, runToHalt } from "../harness.js";

const GUESTS = join(import.meta.dirname, "../../../guests/tests");
const KCODE = 0x08, KDATA = 0x10, UCODE = 0x1b, UDATA = 0x23, TSS_SEL = 0x28;
const KSTACK = 0x90000, USTACK = 0x70000;

function assemble(name: string): { bin: Buffer; sym: (s: string) => number } {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-pm-"));
  const bin = join(dir, `${name}.bin`), map = join(dir, `${name}.map`);
  execFileSync("nasm", ["-f", "bin", "-i", `${GUESTS}/`, "--before", `[map symbols ${map}]`, join(GUESTS, `${name}.asm`), "-o", bin]);
  const syms = new Map<string, number>();
  for (const line of readFileSync(map, "utf8").split("\n")) {
    const m = /^\s*([0-9A-F]+)\s+([0-9A-F]+)\s+(\S+)\s*$/.exec(line);
    if (m) syms.set(m[3], parseInt(m[2], 16));
  }
  return {
    bin: readFileSync(bin),
    sym: (s) => { const v = syms.get(s); if (v === undefined) throw new Error(`no symbol ${s}`); return v; },
  };
}

/** Runs a guest to its final HLT and returns its records as [tag, value] pairs. */
function runGuest(name: string) {
  const { bin, sym } = assemble(name);
  const { cpu, mem, host } = makeCpu();
  load(mem, 0x8000, bin);
  real16(cpu, 0, 0x8000);
  runToHalt(cpu, 200_000);
  const bytes = host.out.filter((o) => o.port === 0xe9).map((o) => o.value & 0xff);
  const records: Array<[number, number]> = [];
  for (let i = 0; i + 5 <= bytes.length; i += 5) {
    records.push([bytes[i], (bytes[i + 1] | (bytes[i + 2] << 8) | (bytes[i + 3] << 16) | (bytes[i + 4] << 24)) >>> 0]);
  }
  const finished = host.out.length > 0 && host.out[host.out.length - 1].port === 0xf4;
  return { records, finished, sym, reports: host.reports };
}

const hex = (r: Array<[number, number]>) => r.map(([t, v]) => `${t.toString(16)}:${v.toString(16)}`);

describe("protected-mode guests", () => {
  it("pm-rings: #GP/#NP/#SS error codes and faulting EIPs, INT n DPL check, ring 3 → 0 by interrupt and call gate, RETF back", () => {
    const { records, finished, sym } = runGuest("pm-rings");
    const ring0Fault = (vec: number, err: number, eip: string) => [[vec, err], [0x80, sym(eip)], [0x81, KCODE]];
    const ring3Fault = (err: number, eip: string) =>
      // Faults push EFLAGS with RF=1 (SDM Vol.3 17.3.1.1); IOPL 3 from the IRETD frame.
      [[0x0d, err], [0x80, sym(eip)], [0x81, UCODE], [0x82, 0x13002], [0x83, USTACK], [0x84, UDATA]];
    const expected = [
      ...ring0Fault(0x0d, 0x1000, "main.f1"),   // index beyond the GDT limit: #GP(selector)
      ...ring0Fault(0x0b, 0x30, "main.f2"),     // not present data segment: #NP(selector)
      ...ring0Fault(0x0c, 0x30, "main.f3"),     // not present stack segment: #SS(selector)
      ...ring0Fault(0x0d, 0x0c, "main.f4"),     // TI=1 without an LDT: #GP(selector with TI)
      [0xa0, UCODE],
      ...ring3Fault(0x40 * 8 + 2, "user.f5"),   // INT 0x40 through a DPL 0 gate: IDT bit set
      ...ring3Fault(KDATA, "user.f6"),          // DPL 0 data at CPL 3
      [0xa1, USTACK],
      [0xb5, KDATA], [0xb6, KSTACK - 20],      // INT 0x41: on SS0:ESP0 from the TSS
      [0xb0, sym("user.r7")], [0xb1, UCODE], [0xb2, 0x3002], [0xb3, USTACK], [0xb4, UDATA],
      [0xc5, KCODE], [0xc6, KSTACK - 20],      // call gate: EIP CS param ESP SS
      [0xc0, sym("user.r8")], [0xc1, UCODE], [0xc2, 0xc0ffee], [0xc3, USTACK - 4], [0xc4, UDATA],
      [0xa2, 0], [0xa3, USTACK], [0xa4, UCODE], // after RETF 4: DS nulled, parameter released
    ];
    expect(hex(records)).toEqual(hex(expected as Array<[number, number]>));
    expect(finished).toBe(true);
  });

  it("pm-df: #GP at CPL 3 with a not-present SS0 → #DF through a task gate; the #DF task sees back link, TR, saved CS:EIP", () => {
    const { records, finished, sym } = runGuest("pm-df");
    expect(hex(records)).toEqual(hex([
      [0x08, 0],                    // #DF error code is 0
      [0xd0, TSS_SEL],              // back link: the interrupted task
      [0xd1, 0x30],                 // TR: the #DF task's TSS
      [0xd2, sym("user.f1")],       // saved EIP: the HLT that faulted
      [0xd3, UCODE],
      [0xd4, 0x8b],                 // old TSS still busy (P, 32-bit busy TSS)
    ]));
    expect(finished).toBe(true);
  });

  it("pm-v86: IRETD with VM=1 enters V86; INT 0x30 exits to ring 0 with GS FS DS ES pushed; HLT in V86 → #GP(0)", () => {
    const { records, finished, sym } = runGuest("pm-v86");
    const ip = (s: string) => sym(s) - 0x8000;
    const v86Frame = (tag: number, eip: number) =>
      [[tag, eip], [tag + 1, 0x0800], [tag + 2, 0x23002], [tag + 3, 0x0ffe], [tag + 4, 0x6000],
        [tag + 5, 0x0123], [tag + 6, 0x0234], [tag + 7, 0x0345], [tag + 8, 0x0456]];
    expect(hex(records)).toEqual(hex([
      [0x30, 0x30],
      [0xb9, 0], [0xba, 0], [0xbb, 0], [0xbc, 0], // data segments nulled on the way out of V86
      [0xbd, 0x1234],
      ...v86Frame(0xb0, ip("v86_code.r1")),
      [0x0d, 0],
      ...v86Frame(0xc0, ip("v86_code.f2")).map(([t, v]) => [t, t === 0xc2 ? 0x33002 : v]), // RF=1: a fault
    ] as Array<[number, number]>));
    expect(finished).toBe(true);
  });
});
