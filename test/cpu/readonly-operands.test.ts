// Instructions that only read their r/m operand (CMP, TEST, BT; SDM Vol.2: they set flags and
// "the result is discarded") must not fault on a read-only page, while read-modify-write ones
// (ADD, BTS, ...) raise #PF with a write error code. Linux found this one: after it makes
// __ro_after_init data read-only, `cmp byte [__printk_percpu_data_ready], 0` must keep working.

import { describe, expect, it } from "vitest";
import { Cr0 } from "../../src/cpu/constants.js";
import { flat32, load, makeCpu } from "./harness.js";

const RO = 0x5000; // a read-only page (PTE R/W = 0), CR0.WP = 1

function run(code: number[]) {
  const { cpu, mem } = makeCpu();
  const pd = 0x100000, pt = 0x101000;
  const w32 = (a: number, v: number) => mem.view.setUint32(a, v >>> 0, true);
  w32(pd, pt | 3);
  for (let i = 0; i < 0x40; i++) w32(pt + i * 4, (i << 12) | (i === RO >> 12 ? 1 : 3));
  mem.bytes[RO + 0x10] = 0x81;
  // GDT (0x4000): 0x08 flat code, 0x10 flat data; IDT (0x3000): #PF → HLT at 0x2000.
  load(mem, 0x4008, [0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0]);
  load(mem, 0x3000 + 14 * 8, [0x00, 0x20, 0x08, 0, 0, 0x8e, 0, 0]);
  load(mem, 0x2000, [0xf4]);
  load(mem, 0x1000, [...code, 0xf4]);
  flat32(cpu, 0x1000, 0x8000);
  cpu.gdtrBase = 0x4000; cpu.gdtrLimit = 0x17;
  cpu.idtrBase = 0x3000; cpu.idtrLimit = 0x7ff;
  cpu.cr3 = pd;
  cpu.cr0 |= Cr0.PG | Cr0.WP;
  cpu.updateMode();
  cpu.flushTlb(false);
  cpu.run(100);
  const faulted = cpu.eip === 0x2001;
  return { faulted, cr2: cpu.cr2 >>> 0, err: faulted ? mem.view.getUint32(cpu.regs[4] >>> 0, true) : -1, zf: cpu };
}

const addr = [0x10, 0x50, 0x00, 0x00]; // disp32 0x5010
describe("read-only destination operands (CR0.WP = 1, supervisor)", () => {
  for (const [name, bytes] of [
    ["80 3d cmp byte [0x5010], 0x81", [0x80, 0x3d, ...addr, 0x81]],
    ["83 3d cmp dword [0x5010], 1", [0x83, 0x3d, ...addr, 0x01]],
    ["81 3d cmp dword [0x5010], imm32", [0x81, 0x3d, ...addr, 1, 2, 3, 4]],
    ["38 05 cmp [0x5010], al", [0x38, 0x05, ...addr]],
    ["39 05 cmp [0x5010], eax", [0x39, 0x05, ...addr]],
    ["84 05 test [0x5010], al", [0x84, 0x05, ...addr]],
    ["f6 05 test byte [0x5010], 1", [0xf6, 0x05, ...addr, 0x01]],
    ["0f a3 05 bt [0x5010], eax", [0x0f, 0xa3, 0x05, ...addr]],
    ["0f ba 25 bt dword [0x5010], 3", [0x0f, 0xba, 0x25, ...addr, 0x03]],
  ] as const) {
    it(`${name} → no #PF`, () => {
      expect(run([...bytes]).faulted).toBe(false);
    });
  }
  for (const [name, bytes] of [
    ["80 05 add byte [0x5010], 1", [0x80, 0x05, ...addr, 0x01]],
    ["01 05 add [0x5010], eax", [0x01, 0x05, ...addr]],
    ["0f ab 05 bts [0x5010], eax", [0x0f, 0xab, 0x05, ...addr]],
  ] as const) {
    it(`${name} → #PF, error code 3 (present, write), CR2 = 0x5010`, () => {
      const r = run([...bytes]);
      expect(r.faulted).toBe(true);
      expect(r.err).toBe(3);
      expect(r.cr2).toBe(0x5010);
    });
  }
});
