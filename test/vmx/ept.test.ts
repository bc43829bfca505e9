// EPT walks over hand-built paging structures. Entry layouts and qualification bits are the
// SDM's (Vol.3 28.2.2 Tables 28-1..28-6, 28.2.3, Table 27-7); expected values are worked by hand.
import { describe, expect, it } from "vitest";
import { HostMemory, ACC_EXEC, ACC_READ, ACC_WRITE } from "../../src/cpu/memory.js";
import {
  EptBuilder, EptPhysicalMap, EptWalk, eptWalk, eptpValid, EPT_A, EPT_D, EPT_LARGE, EPT_R, EPT_RWX, EPT_W, EPT_X,
  type EptMmioHandler, WALK_MISCONFIG, WALK_OK, WALK_VIOLATION,
} from "../../src/vmx/ept.js";
import { ExitReason } from "../../src/vmx/exit-reasons.js";
import { makeCpu, flat32, load, runToHalt } from "../cpu/harness.js";
import { nasm } from "../cpu/mov.helpers.js";
import { EAX, EBX } from "../../src/cpu/constants.js";

const WB = 6 << 3; // memory type WB in bits 5:3
const PML4 = 0x100000, PDPT = 0x101000, PD = 0x102000, PT = 0x103000;
const EPTP = PML4 | 6 | (3 << 3);          // WB, walk length 4
const GLA = 0x180;                          // qualification bits 7 and 8

function tables(): HostMemory {
  const mem = new HostMemory(16 << 20);
  put(mem, PML4, 0, PDPT | EPT_RWX);
  put(mem, PDPT, 0, PD | EPT_RWX);
  put(mem, PD, 2, PT | EPT_RWX);                       // GPA 0x00400000-0x005fffff through the PT
  put(mem, PT, 3, 0x00800000 | WB | EPT_RWX);          // GPA 0x00403000 → 0x00800000
  put(mem, PT, 4, 0x00801000 | WB | EPT_R | EPT_X);    // GPA 0x00404000 → 0x00801000, read+execute
  put(mem, PD, 4, 0x00c00000 | WB | EPT_LARGE | EPT_RWX); // GPA 0x00800000 2 MiB → 0x00c00000
  return mem;
}
function put(mem: HostMemory, table: number, idx: number, lo: number, hi = 0): void {
  mem.view.setInt32(table + idx * 8, lo, true);
  mem.view.setInt32(table + idx * 8 + 4, hi, true);
}
const host = (mem: HostMemory) => ({ entryOffset: (a: number) => (a + 8 <= mem.size ? a : -1) });
function walk(mem: HostMemory, gpa: number, access: number, eptp = EPTP, execOnly = false): EptWalk {
  const w = new EptWalk();
  eptWalk(eptp, 0, gpa, access, host(mem), mem, w, execOnly, GLA);
  return w;
}

describe("EPT walk: page sizes (SDM Vol.3 28.2.2)", () => {
  it("4 KiB: GPA 0x00403123 → PML4[0] PDPT[0] PD[2] PT[3] → 0x00800123, WB, level 1", () => {
    const w = walk(tables(), 0x00403123, EPT_R);
    expect([w.status, w.addr, w.memType, w.level, w.pageShift, w.rwx]).toEqual([WALK_OK, 0x00800123, 6, 1, 12, 7]);
  });
  it("2 MiB: GPA 0x00912345 → PDE[4] (bit 7) → 0x00d12345, level 2", () => {
    const w = walk(tables(), 0x00912345, EPT_W);
    expect([w.status, w.addr, w.level, w.pageShift]).toEqual([WALK_OK, 0x00d12345, 2, 21]);
  });
  it("1 GiB: GPA 0x7abcdef0 → PDPTE[1] (bit 7) with address bits 35:32 = 1 → 0x1_80000000 + 0x3abcdef0", () => {
    const mem = tables();
    put(mem, PDPT, 1, 0x80000000 | WB | EPT_LARGE | EPT_RWX, 1);
    const w = walk(mem, 0x7abcdef0, EPT_X);
    expect([w.status, w.addr, w.level, w.pageShift]).toEqual([WALK_OK, 0x1_babcdef0, 3, 30]);
  });
  it("GPA above 4 GiB: 0x8_00001000 uses PDPT[32] (bits 38:30)", () => {
    const mem = tables();
    put(mem, PDPT, 32, PD | EPT_RWX);
    put(mem, PD, 0, 0x00200000 | WB | EPT_LARGE | EPT_RWX);
    const w = walk(mem, 0x8_00001000, EPT_R);
    expect([w.status, w.addr]).toEqual([WALK_OK, 0x00201000]);
  });
});

describe("EPT violations (SDM Vol.3 28.2.3.2, qualification Table 27-7)", () => {
  it.each([
    ["PML4E", (m: HostMemory) => put(m, PML4, 0, 0)],
    ["PDPTE", (m: HostMemory) => put(m, PDPT, 0, 0)],
    ["PDE", (m: HostMemory) => put(m, PD, 2, 0)],
    ["PTE", (m: HostMemory) => put(m, PT, 3, 0)],
  ])("not-present %s, read of GPA 0x00403000 → violation, qualification 0x181 (read, no permissions, GLA bits)", (_n, clear) => {
    const mem = tables();
    clear(mem);
    const w = walk(mem, 0x00403000, EPT_R);
    expect(w.status).toBe(WALK_VIOLATION);
    expect(w.qualification).toBe(0x181);
  });
  it("not-present entry with garbage in bits 63:3 is just not present (bits ignored): write → 0x182", () => {
    const mem = tables();
    put(mem, PT, 3, 0xfffffff8 | 0, 0xffffffff | 0);
    const w = walk(mem, 0x00403000, EPT_W);
    expect([w.status, w.qualification]).toEqual([WALK_VIOLATION, 0x182]);
  });
  it("write to the read+execute page at GPA 0x00404010 → qualification 0x1aa (write; readable, executable)", () => {
    const w = walk(tables(), 0x00404010, EPT_W);
    expect([w.status, w.qualification]).toEqual([WALK_VIOLATION, 0x1aa]);
  });
  it("fetch where the PDE allows read only and the PTE RWX → bits 3-5 = AND = R only: 0x18c", () => {
    const mem = tables();
    put(mem, PD, 2, PT | EPT_R);
    const w = walk(mem, 0x00403000, EPT_X);
    expect([w.status, w.qualification]).toEqual([WALK_VIOLATION, 0x18c]);
  });
});

describe("EPT misconfigurations (SDM Vol.3 28.2.3.1)", () => {
  const cases: Array<[string, (m: HostMemory) => void]> = [
    ["PTE write-only (010b)", (m) => put(m, PT, 3, 0x00800000 | WB | EPT_W)],
    ["PTE write+execute (110b)", (m) => put(m, PT, 3, 0x00800000 | WB | EPT_W | EPT_X)],
    ["PTE execute-only (100b) when unsupported", (m) => put(m, PT, 3, 0x00800000 | WB | EPT_X)],
    ["PML4E bit 7 (reserved)", (m) => put(m, PML4, 0, PDPT | EPT_RWX | 0x80)],
    ["PML4E bit 3 (reserved 7:3)", (m) => put(m, PML4, 0, PDPT | EPT_RWX | 0x08)],
    ["PDE pointing to a table with bit 5 (reserved 6:3)", (m) => put(m, PD, 2, PT | EPT_RWX | 0x20)],
    ["PTE memory type 2", (m) => put(m, PT, 3, 0x00800000 | (2 << 3) | EPT_RWX)],
    ["PTE memory type 3", (m) => put(m, PT, 3, 0x00800000 | (3 << 3) | EPT_RWX)],
    ["PTE memory type 7", (m) => put(m, PT, 3, 0x00800000 | (7 << 3) | EPT_RWX)],
    ["PTE address bit 36 (beyond MAXPHYADDR 36)", (m) => put(m, PT, 3, 0x00800000 | WB | EPT_RWX, 0x10)],
    ["PDPTE address bit 51", (m) => put(m, PDPT, 0, PD | EPT_RWX, 0x80000)],
  ];
  it.each(cases)("%s → misconfiguration", (_n, poke) => {
    const mem = tables();
    poke(mem);
    expect(walk(mem, 0x00403000, EPT_R).status).toBe(WALK_MISCONFIG);
  });
  it("2 MiB PDE with bit 12 set (reserved 20:12) → misconfiguration", () => {
    const mem = tables();
    put(mem, PD, 4, 0x00c01000 | WB | EPT_LARGE | EPT_RWX);
    expect(walk(mem, 0x00812345, EPT_R).status).toBe(WALK_MISCONFIG);
  });
  it("1 GiB PDPTE with bit 20 set (reserved 29:12) → misconfiguration", () => {
    const mem = tables();
    put(mem, PDPT, 1, 0x80100000 | WB | EPT_LARGE | EPT_RWX);
    expect(walk(mem, 0x40000000, EPT_R).status).toBe(WALK_MISCONFIG);
  });
  it("bits 63:52 are ignored: PTE with hi word 0xfff00000 translates", () => {
    const mem = tables();
    put(mem, PT, 3, 0x00800000 | WB | EPT_RWX, 0xfff00000 | 0);
    expect(walk(mem, 0x00403000, EPT_R).status).toBe(WALK_OK);
  });
  it("execute-only PTE with execute-only support: fetch translates, read is a violation with permissions X (0x1a1)", () => {
    const mem = tables();
    put(mem, PT, 3, 0x00800000 | WB | EPT_X);
    expect(walk(mem, 0x00403000, EPT_X, EPTP, true).status).toBe(WALK_OK);
    const w = walk(mem, 0x00403000, EPT_R, EPTP, true);
    expect([w.status, w.qualification]).toEqual([WALK_VIOLATION, 0x1a1]);
  });
  it("misconfiguration beats a permission failure higher up: PDE read-only, PTE memory type 7 → misconfiguration", () => {
    const mem = tables();
    put(mem, PD, 2, PT | EPT_R);
    put(mem, PT, 3, 0x00800000 | (7 << 3) | EPT_RWX);
    expect(walk(mem, 0x00403000, EPT_W).status).toBe(WALK_MISCONFIG);
  });
});

describe("EPTP and A/D flags (SDM Vol.3 24.6.11, 28.2.4)", () => {
  it("eptpValid: WB/UC with walk length 4 accepted; memory type 1, walk length 3, bit 7, address bit 36 rejected", () => {
    expect(eptpValid(PML4 | 6 | 0x18, 0)).toBe(true);
    expect(eptpValid(PML4 | 0 | 0x18 | 0x40, 0xf)).toBe(true);
    expect(eptpValid(PML4 | 1 | 0x18, 0)).toBe(false);
    expect(eptpValid(PML4 | 6 | 0x10, 0)).toBe(false);
    expect(eptpValid(PML4 | 6 | 0x18 | 0x80, 0)).toBe(false);
    expect(eptpValid(PML4 | 6 | 0x18, 0x10)).toBe(false);
  });
  it("A/D enabled (EPTP bit 6): a read sets A (bit 8) in all four entries and no D; a write then sets D (bit 9) in the PTE only", () => {
    const mem = tables();
    const ents = [[PML4, 0], [PDPT, 0], [PD, 2], [PT, 3]] as const;
    const lo = (t: number, i: number) => mem.view.getInt32(t + i * 8, true);
    expect(walk(mem, 0x00403000, EPT_R, EPTP | 0x40).status).toBe(WALK_OK);
    for (const [t, i] of ents) expect(lo(t, i) & (EPT_A | EPT_D)).toBe(EPT_A);
    expect(walk(mem, 0x00403000, EPT_W, EPTP | 0x40).status).toBe(WALK_OK);
    expect(lo(PT, 3) & (EPT_A | EPT_D)).toBe(EPT_A | EPT_D);
    expect(lo(PD, 2) & EPT_D).toBe(0);
  });
  it("A/D disabled: a write leaves bits 8 and 9 clear", () => {
    const mem = tables();
    walk(mem, 0x00403000, EPT_W);
    expect(mem.view.getInt32(PT + 3 * 8, true) & (EPT_A | EPT_D)).toBe(0);
  });
});

describe("EptPhysicalMap", () => {
  it("violation records exit reason 48, the qualification and the guest-physical address", () => {
    const mem = tables();
    const map = new EptPhysicalMap(mem, EPTP);
    expect(map.translate(0x00404ffc, ACC_WRITE)).toBe(-1);
    expect([map.exitReason, map.exitQualification, map.guestPhysicalAddress]).toEqual([ExitReason.EPT_VIOLATION, 0x1aa, 0x00404ffc]);
    expect(map.translate(0x00404ffc, ACC_READ)).toBe(0x00801ffc);
    expect(map.translate(0x00404ffc, ACC_EXEC)).toBe(0x00801ffc);
  });
  it("misconfiguration records exit reason 49", () => {
    const mem = tables();
    put(mem, PT, 3, 0x00800000 | (2 << 3) | EPT_RWX);
    const map = new EptPhysicalMap(mem, EPTP);
    expect(map.translate(0x00403000, ACC_READ)).toBe(-1);
    expect([map.exitReason, map.guestPhysicalAddress]).toEqual([ExitReason.EPT_MISCONFIG, 0x00403000]);
  });
  it("cached translations survive an EPT edit until invept(), then the new mapping is used", () => {
    const mem = tables();
    const map = new EptPhysicalMap(mem, EPTP);
    expect(map.translate(0x00403010, ACC_READ)).toBe(0x00800010);
    put(mem, PT, 3, 0x00a00000 | WB | EPT_RWX);
    expect(map.translate(0x00403010, ACC_READ)).toBe(0x00800010);
    map.invept();
    expect(map.translate(0x00403010, ACC_READ)).toBe(0x00a00010);
  });
  it("A20 masked: GPA 0x00503000 is walked as 0x00403000", () => {
    const map = new EptPhysicalMap(tables(), EPTP);
    map.a20Mask = ~(1 << 20);
    expect(map.translate(0x00503000, ACC_READ)).toBe(0x00800000);
  });
  it("host address beyond host memory → -1 with exit reason 0 (nothing behind it, no EPT exit)", () => {
    const mem = tables();
    put(mem, PT, 3, 0x7f000000 | WB | EPT_RWX);
    const map = new EptPhysicalMap(mem, EPTP);
    expect(map.translate(0x00403000, ACC_READ)).toBe(-1);
    expect(map.exitReason).toBe(0);
  });
  it("with A/D on, a cached read does not let a write skip the walk: the write still sets D", () => {
    const mem = tables();
    const map = new EptPhysicalMap(mem, EPTP | 0x40);
    expect(map.translate(0x00403000, ACC_READ)).toBe(0x00800000);
    expect(mem.view.getInt32(PT + 24, true) & EPT_D).toBe(0);
    expect(map.translate(0x00403004, ACC_WRITE)).toBe(0x00800004);
    expect(mem.view.getInt32(PT + 24, true) & EPT_D).toBe(EPT_D);
  });
  it("nested: L2 GPA → L1 EPT (tables in L1 guest-physical memory) → L0 EPT → host", () => {
    // L0 EPT: guest-physical 0-16 MiB → host + 0 (identity) except L1 page 0x00200000 → host 0x00e00000.
    const mem = new HostMemory(16 << 20);
    const l0 = new EptBuilder(mem, 0x00f00000, 0x100000);
    l0.mapRam(0, 0x00e00000);
    l0.map(0x00200000, 0x00e00000, 0x1000, EPT_RWX);
    const map0 = new EptPhysicalMap(mem, l0.eptp());
    // L1 builds its EPT in its own memory at L1-GPA 0x00100000; its tables are written through the L0 map.
    const l1mem = new HostMemory(16 << 20);
    const l1 = new EptBuilder(l1mem, 0x00100000, 0x10000);
    l1.map(0x00005000, 0x00200000, 0x1000, EPT_R | EPT_W);
    mem.bytes.set(l1mem.bytes.subarray(0x00100000, 0x00110000), 0x00100000); // L0 maps 0x00100000 identity
    const map2 = new EptPhysicalMap(mem, l1.eptp(), 0, map0);
    expect(map2.translate(0x00005abc, ACC_READ)).toBe(0x00e00abc);
    expect(map2.translate(0x00006000, ACC_READ)).toBe(-1);
    expect([map2.exitReason, map2.faultInParent]).toEqual([ExitReason.EPT_VIOLATION, false]);
    expect(map2.translate(0x00005000, ACC_EXEC)).toBe(-1);
    expect([map2.exitReason, map2.exitQualification]).toEqual([ExitReason.EPT_VIOLATION, 0x19c]);
    // L1 maps L2 memory onto an L1 address L0 does not back (L1's own MMIO): the parent faults.
    l1.map(0x00007000, 0x00ff0000, 0x1000, EPT_RWX);
    mem.bytes.set(l1mem.bytes.subarray(0x00100000, 0x00110000), 0x00100000);
    map2.invept();
    expect(map2.translate(0x00007008, ACC_WRITE)).toBe(-1);
    expect([map2.exitReason, map2.faultInParent, map2.parentAddress]).toEqual([0, true, 0x00ff0008]);
    expect([map0.exitReason, map0.guestPhysicalAddress]).toEqual([ExitReason.EPT_VIOLATION, 0x00ff0008]);
  });
});

describe("EptBuilder", () => {
  it("64 MiB guest identity map: RAM translates to itself, 0xfec00000 (IO-APIC) and 0xfee00000 (LAPIC) are EPT violations", () => {
    const mem = new HostMemory((64 << 20) + (64 << 10));
    const b = EptBuilder.identity(mem, 64 << 20, 64 << 10, [{ gpa: 0, size: 64 << 20 }]);
    const map = new EptPhysicalMap(mem, b.eptp());
    expect(map.translate(0, ACC_READ)).toBe(0);
    expect(map.translate(0x03fffffc, ACC_WRITE)).toBe(0x03fffffc);
    expect(map.walk.pageShift).toBe(21);
    expect(map.walk.memType).toBe(6);
    for (const gpa of [0xfec00000, 0xfee00000, 0x04000000]) {
      expect(map.translate(gpa, ACC_READ)).toBe(-1);
      expect([map.exitReason, map.exitQualification, map.guestPhysicalAddress >>> 0]).toEqual([ExitReason.EPT_VIOLATION, 0x181, gpa]);
    }
    expect(map.translate(0xfee000b0, ACC_WRITE)).toBe(-1);
    expect(map.exitQualification).toBe(0x182);
    expect(b.used).toBe(3 * 4096); // PML4, PDPT, one PD holding 32 2 MiB leaves
  });
  it("unmapping the VGA hole 0xa0000-0xbffff splits the first 2 MiB page: 0x9f000 and 0xc0000 stay RAM", () => {
    const mem = new HostMemory((8 << 20) + (64 << 10));
    const b = EptBuilder.identity(mem, 8 << 20, 64 << 10, [{ gpa: 0, size: 8 << 20 }]);
    b.unmap(0xa0000, 0x20000);
    const map = new EptPhysicalMap(mem, b.eptp());
    expect(map.translate(0x9fffc, ACC_READ)).toBe(0x9fffc);
    expect(map.translate(0xa0000, ACC_READ)).toBe(-1);
    expect(map.translate(0xbffff, ACC_WRITE)).toBe(-1);
    expect(map.translate(0xc0000, ACC_WRITE)).toBe(0xc0000);
    expect(map.translate(0x1ff000, ACC_WRITE)).toBe(0x1ff000);
    expect(map.translate(0x200000, ACC_WRITE)).toBe(0x200000);
  });
  it("mapRom: the BIOS at 0xf0000 reads and executes; a write is a violation 0x1aa", () => {
    const mem = new HostMemory((2 << 20) + (64 << 10));
    const b = new EptBuilder(mem, 2 << 20, 64 << 10);
    b.mapRam(0, 0xf0000);
    b.mapRom(0xf0000, 0x10000);
    const map = new EptPhysicalMap(mem, b.eptp());
    expect(map.translate(0xffff0, ACC_EXEC)).toBe(0xffff0);
    expect(map.translate(0xffff0, ACC_WRITE)).toBe(-1);
    expect(map.exitQualification).toBe(0x1aa);
  });
  it("1 GiB pages when enabled: a 1 GiB-aligned 1 GiB map is one PDPTE", () => {
    const mem = new HostMemory(1 << 20);
    const b = new EptBuilder(mem, 0, 1 << 20);
    b.gigPages = true;
    b.map(0x40000000, 0x80000000, 1 << 30, EPT_RWX);
    const w = new EptWalk();
    expect(eptWalk(b.eptp(), 0, 0x40000123, EPT_R, { entryOffset: (a) => a }, mem, w, false, 0)).toBe(WALK_OK);
    expect([w.addr, w.pageShift]).toEqual([0x80000123, 30]);
    expect(b.used).toBe(2 * 4096);
  });
  it("a window too small for the tables → RangeError", () => {
    const mem = new HostMemory(1 << 20);
    const b = new EptBuilder(mem, 0, 8192);
    expect(() => b.map(0x1000, 0x1000, 0x1000, EPT_RWX)).toThrow(RangeError);
  });
});

describe("a Cpu running under EptPhysicalMap", () => {
  it("code, data and stack at guest-physical pages placed on other host pages; MMIO reads/writes reach the handler as EPT violations", () => {
    const { cpu, mem } = makeCpu(8 << 20);
    const b = new EptBuilder(mem, 7 << 20, 64 << 10);
    b.map(0x1000, 0x300000, 0x1000, EPT_RWX);          // code
    b.map(0x2000, 0x305000, 0x1000, EPT_RWX);          // data
    b.map(0x7f000, 0x310000, 0x1000, EPT_RWX);         // stack
    const map = new EptPhysicalMap(mem, b.eptp());
    const seen: string[] = [];
    const h: EptMmioHandler = {
      read: (m, gpa, size) => { seen.push(`r ${(gpa >>> 0).toString(16)}/${size} exit ${m.exitReason} q ${m.exitQualification.toString(16)}`); return 0x12345678; },
      write: (m, gpa, size, v) => { seen.push(`w ${(gpa >>> 0).toString(16)}/${size}=${(v >>> 0).toString(16)} exit ${m.exitReason} q ${m.exitQualification.toString(16)}`); },
    };
    map.mmio = h;
    cpu.phys = map;
    cpu.flushTlb(false);
    load(mem, 0x300000, nasm([
      "mov eax, [0x2000]", "add eax, 1", "mov [0x2004], eax", "push eax", "pop ecx",
      "mov ebx, [0xfee00020]", "mov [0xfee000b0], eax", "hlt",
    ].join("\n"), 32, 0x1000));
    mem.view.setUint32(0x305000, 41, true);
    flat32(cpu, 0x1000, 0x80000);
    runToHalt(cpu, 100);
    expect(cpu.regs[EAX]).toBe(42);
    expect(cpu.regs[EBX]).toBe(0x12345678);
    expect(mem.view.getUint32(0x305004, true)).toBe(42);
    expect(mem.view.getUint32(0x310ffc, true)).toBe(42);   // the push landed on the host stack page
    expect(mem.view.getUint32(0x2004, true)).toBe(0);       // not the identity page
    expect(mem.view.getUint32(0x7fffc, true)).toBe(0);
    expect(seen).toEqual(["r fee00020/4 exit 48 q 181", "w fee000b0/4=2a exit 48 q 182"]);
  });
});
