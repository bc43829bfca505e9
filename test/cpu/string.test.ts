import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Desc, Eflags, Reg, Seg } from "../../src/cpu/constants.js";
import { STOP_LIMIT } from "../../src/cpu/cpu.js";
import { getEflags } from "../../src/cpu/flags.js";
import { flat32, load, makeCpu, real16, runToHalt } from "./harness.js";
import { nasm, rd16, rd32, realHandler, run16, run32, u32, type Machine } from "./mov.helpers.js";

const DATA32 = Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G;

/** Program `src` at 0x1000 (flat 32-bit) with registers preset; not run yet. */
function prep32(src: string, regs: Partial<Record<number, number>> = {}, df = false): Machine {
  const m = makeCpu();
  load(m.mem, 0x1000, [...nasm(src, 32, 0x1000), 0xf4]);
  flat32(m.cpu, 0x1000);
  for (const [r, v] of Object.entries(regs)) m.cpu.regs[Number(r)] = v!;
  if (df) m.cpu.flags |= Eflags.DF;
  return m;
}

function fillPattern(m: Machine, at: number, n: number, seed = 1): void {
  for (let i = 0; i < n; i++) m.mem.bytes[at + i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
}

describe("MOVS A4/A5", () => {
  it("a4 movsb: [ESI]→[EDI], both +1; with DF=1 both −1", () => {
    for (const df of [false, true]) {
      const m = prep32("movsb", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000 }, df);
      m.mem.bytes[0x2000] = 0x5a;
      runToHalt(m.cpu);
      expect(m.mem.bytes[0x3000]).toBe(0x5a);
      expect(m.cpu.regs[Reg.ESI]).toBe(df ? 0x1fff : 0x2001);
      expect(m.cpu.regs[Reg.EDI]).toBe(df ? 0x2fff : 0x3001);
    }
  });
  it("66 a5 movsw / a5 movsd: 2 and 4 bytes, pointers step by the element size (DF=1: backwards)", () => {
    const w = prep32("movsw", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000 }, true);
    w.mem.view.setUint32(0x2000, 0x44332211, true);
    runToHalt(w.cpu);
    expect(rd32(w.mem, 0x3000)).toBe(0x2211);
    expect([w.cpu.regs[Reg.ESI], w.cpu.regs[Reg.EDI]]).toEqual([0x1ffe, 0x2ffe]);
    const d = prep32("movsd", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000 });
    d.mem.view.setUint32(0x2000, 0x44332211, true);
    runToHalt(d.cpu);
    expect(rd32(d.mem, 0x3000)).toBe(0x44332211);
    expect([d.cpu.regs[Reg.ESI], d.cpu.regs[Reg.EDI]]).toEqual([0x2004, 0x3004]);
  });
  it("64 a4 fs movsb with FS.base=0x10000, ES.base=0x20000 → source overridden, destination still ES", () => {
    const m = prep32("fs movsb", { [Reg.ESI]: 0x100, [Reg.EDI]: 0x200 });
    m.cpu.setSegCache(Seg.FS, 0x18, 0x10000, -1, DATA32);
    m.cpu.setSegCache(Seg.ES, 0x20, 0x20000, -1, DATA32);
    m.mem.bytes[0x10100] = 0xaa; m.mem.bytes[0x100] = 0xbb;
    runToHalt(m.cpu);
    expect(m.mem.bytes[0x20200]).toBe(0xaa);
    expect(m.mem.bytes[0x200]).toBe(0);
  });
  it("26 a4 es movsb with DS.base=0x10000 → ES:ESI is the source when overridden", () => {
    const m = prep32("es movsb", { [Reg.ESI]: 0x100, [Reg.EDI]: 0x200 });
    m.cpu.setSegCache(3, 0x18, 0x10000, -1, DATA32);
    m.mem.bytes[0x100] = 0xcc; m.mem.bytes[0x10100] = 0xdd;
    runToHalt(m.cpu);
    expect(m.mem.bytes[0x200]).toBe(0xcc);
  });
  it("f3 a4 rep movsb with ECX=0 → no move, registers unchanged, retires once", () => {
    const m = prep32("rep movsb", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000, [Reg.ECX]: 0 });
    m.mem.bytes[0x2000] = 1;
    runToHalt(m.cpu);
    expect(m.mem.bytes[0x3000]).toBe(0);
    expect([m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI], m.cpu.regs[Reg.ECX]]).toEqual([0x2000, 0x3000, 0]);
    expect(m.cpu.icount).toBe(2); // rep movsb + hlt
  });
  it("f3 a5 rep movsd with ECX=1 → one dword, ECX=0, icount 1 for the REP", () => {
    const m = prep32("rep movsd", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000, [Reg.ECX]: 1 });
    m.mem.view.setUint32(0x2000, 0x01020304, true);
    runToHalt(m.cpu);
    expect(rd32(m.mem, 0x3000)).toBe(0x01020304);
    expect([m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI], m.cpu.regs[Reg.ECX]]).toEqual([0x2004, 0x3004, 0]);
    expect(m.cpu.icount).toBe(2);
  });
  it("f3 a5 rep movsd ECX=3000 across pages (unaligned) → 12000 bytes copied; icount = 3000 iterations + hlt", () => {
    const m = prep32("rep movsd", { [Reg.ESI]: 0x20003, [Reg.EDI]: 0x40ffe, [Reg.ECX]: 3000 });
    fillPattern(m, 0x20003, 12000);
    runToHalt(m.cpu);
    expect(Buffer.compare(m.mem.bytes.subarray(0x40ffe, 0x40ffe + 12000), m.mem.bytes.subarray(0x20003, 0x20003 + 12000))).toBe(0);
    expect(m.mem.bytes[0x40ffe + 12000]).toBe(0);
    expect(m.mem.bytes[0x40ffd]).toBe(0);
    expect([m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI], m.cpu.regs[Reg.ECX]]).toEqual([0x20003 + 12000, 0x40ffe + 12000, 0]);
    expect(m.cpu.icount).toBe(3001);
  });
  it("std; f3 a5 rep movsd ECX=5 → copies the 5 dwords ending at ESI downward; ESI/EDI −20", () => {
    const m = prep32("std\nrep movsd", { [Reg.ESI]: 0x2010, [Reg.EDI]: 0x3010, [Reg.ECX]: 5 });
    fillPattern(m, 0x2000, 20);
    runToHalt(m.cpu);
    expect(Array.from(m.mem.bytes.subarray(0x3000, 0x3014))).toEqual(Array.from(m.mem.bytes.subarray(0x2000, 0x2014)));
    expect([m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI]]).toEqual([0x2010 - 20, 0x3010 - 20]);
  });
  it("rep movsb with EDI = ESI+1 (overlap) → iteration semantics replicate the first byte", () => {
    const m = prep32("rep movsb", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x2001, [Reg.ECX]: 100 });
    fillPattern(m, 0x2000, 101, 3);
    const first = m.mem.bytes[0x2000];
    runToHalt(m.cpu);
    expect(m.mem.bytes.subarray(0x2000, 0x2065).every((b) => b === first)).toBe(true);
  });
  it("std; rep movsd with EDI = ESI−2 (overlap, backwards) → each dword read after the previous write", () => {
    // Iteration k (k=0..2) reads [0x2008−4k] and writes [0x2006−4k]: the model below is the SDM loop.
    const m = prep32("std\nrep movsd", { [Reg.ESI]: 0x2008, [Reg.EDI]: 0x2006, [Reg.ECX]: 3 });
    fillPattern(m, 0x2000, 16, 5);
    const model = Array.from(m.mem.bytes.subarray(0, 0x3000));
    for (let k = 0; k < 3; k++) {
      const s = 0x2008 - 4 * k, d = 0x2006 - 4 * k;
      const v = model.slice(s, s + 4);
      for (let i = 0; i < 4; i++) model[d + i] = v[i];
    }
    runToHalt(m.cpu);
    expect(Array.from(m.mem.bytes.subarray(0x2000, 0x2010))).toEqual(model.slice(0x2000, 0x2010));
  });
  it("67 f3 a4 a16 rep movsb: SI=0xffff, CX=2 → copies DS:0xffff then DS:0x0000; SI wraps to 1, upper ESI/ECX kept", () => {
    const m = prep32("a16 rep movsb", { [Reg.ESI]: 0x7000ffff, [Reg.EDI]: 0x50003000, [Reg.ECX]: 0x00090002 });
    m.mem.bytes[0xffff] = 0x11; m.mem.bytes[0] = 0x22;
    runToHalt(m.cpu);
    expect([m.mem.bytes[0x3000], m.mem.bytes[0x3001]]).toEqual([0x11, 0x22]);
    expect(u32(m.cpu.regs[Reg.ESI])).toBe(0x70000001);
    expect(u32(m.cpu.regs[Reg.EDI])).toBe(0x50003002);
    expect(u32(m.cpu.regs[Reg.ECX])).toBe(0x00090000);
  });
  it("real mode f3 a5 rep movsw: DS=0x100 ES=0x200, CX=4 → 8 bytes from 0x1000+SI to 0x2000+DI", () => {
    const m = run16("mov ax,0x100\nrep movsw", (mm) => {
      mm.cpu.setSegCache(3, 0x100, 0x1000, 0xffff, Desc.P | Desc.S | Desc.RW | Desc.A);
      mm.cpu.setSegCache(Seg.ES, 0x200, 0x2000, 0xffff, Desc.P | Desc.S | Desc.RW | Desc.A);
      mm.cpu.regs[Reg.ESI] = 0x500; mm.cpu.regs[Reg.EDI] = 0x600; mm.cpu.regs[Reg.ECX] = 4;
      for (let i = 0; i < 8; i++) mm.mem.bytes[0x1500 + i] = 0xa0 + i;
    });
    expect(Array.from(m.mem.bytes.subarray(0x2600, 0x2608))).toEqual([0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]);
    expect([m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI], m.cpu.regs[Reg.ECX]]).toEqual([0x508, 0x608, 0]);
  });
  it("property: rep movs{b,w,d} of any (src, dst, count, DF) with overlaps and page crossings = the SDM element loop", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0x10000 - 40, max: 0x10000 + 40 }), fc.integer({ min: -24, max: 24 }),
      fc.integer({ min: 0, max: 70 }), fc.constantFrom(1, 2, 4), fc.boolean(), fc.boolean(),
      (src, gap, count, size, df, farDst) => {
        const dst = farDst ? src + 0x3000 + gap : src + gap;
        const op = size === 1 ? "movsb" : size === 2 ? "movsw" : "movsd";
        const m = prep32(`rep ${op}`, { [Reg.ESI]: src, [Reg.EDI]: dst, [Reg.ECX]: count }, df);
        fillPattern(m, 0xf000, 0x6000, count + size);
        const model = m.mem.bytes.slice(0, 0x20000);
        let s = src, d = dst;
        for (let k = 0; k < count; k++) {
          const v = model.slice(s, s + size);
          model.set(v, d);
          s += df ? -size : size; d += df ? -size : size;
        }
        runToHalt(m.cpu);
        expect(Buffer.compare(m.mem.bytes.subarray(0, 0x20000), model)).toBe(0);
        expect([m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI], m.cpu.regs[Reg.ECX]]).toEqual([s, d, 0]);
        expect(m.cpu.icount).toBe(Math.max(count, 1) + 1);
      }), { numRuns: 150 });
  });
});

describe("STOS AA/AB, LODS AC/AD", () => {
  it("f3 aa rep stosb ECX=10000 → fills with AL, EDI += 10000", () => {
    const m = prep32("rep stosb", { [Reg.EAX]: 0x1234567e, [Reg.EDI]: 0x20ff0, [Reg.ECX]: 10000 });
    runToHalt(m.cpu);
    expect(m.mem.bytes.subarray(0x20ff0, 0x20ff0 + 10000).every((b) => b === 0x7e)).toBe(true);
    expect(m.mem.bytes[0x20ff0 + 10000]).toBe(0);
    expect(m.cpu.regs[Reg.EDI]).toBe(0x20ff0 + 10000);
    expect(m.cpu.icount).toBe(10001);
  });
  it("std; f3 ab rep stosd ECX=1500 → 6000 bytes below and including EDI..EDI+3, EDI −6000", () => {
    const m = prep32("std\nrep stosd", { [Reg.EAX]: 0xa1b2c3d4 | 0, [Reg.EDI]: 0x30000, [Reg.ECX]: 1500 });
    runToHalt(m.cpu);
    for (let a = 0x30004 - 6000; a < 0x30004; a += 4) expect(rd32(m.mem, a)).toBe(0xa1b2c3d4);
    expect(rd32(m.mem, 0x30004)).toBe(0);
    expect(rd32(m.mem, 0x30000 - 6000)).toBe(0);
    expect(m.cpu.regs[Reg.EDI]).toBe(0x30000 - 6000);
  });
  it("66 ab stosw → stores AX only, EDI +2", () => {
    const m = prep32("stosw", { [Reg.EAX]: 0x11112222, [Reg.EDI]: 0x3000 });
    runToHalt(m.cpu);
    expect(rd32(m.mem, 0x3000)).toBe(0x2222);
    expect(m.cpu.regs[Reg.EDI]).toBe(0x3002);
  });
  it("ac lodsb / ad lodsd / f3 ac rep lodsb ECX=3 → accumulator holds the last element", () => {
    const m = prep32("lodsb\nmov ebx,eax\nlodsd\nmov edx,eax\nmov ecx,3\nrep lodsb", { [Reg.EAX]: 0xffffffff, [Reg.ESI]: 0x2000 });
    m.mem.bytes.set([0x10, 0x21, 0x22, 0x23, 0x24, 0x31, 0x32, 0x33], 0x2000);
    runToHalt(m.cpu);
    expect(u32(m.cpu.regs[3])).toBe(0xffffff10);
    expect(u32(m.cpu.regs[2])).toBe(0x24232221);
    expect(m.cpu.regs[Reg.EAX]).toBe(0x24232233);
    expect(m.cpu.regs[Reg.ESI]).toBe(0x2008);
    expect(m.cpu.regs[Reg.ECX]).toBe(0);
  });
});

describe("CMPS A6/A7, SCAS AE/AF", () => {
  it("f3 a6 repe cmpsb: strings differ at index 3 (0x41 vs 0x61) → stops there: ECX=N−4, ZF=0 CF=1", () => {
    const m = prep32("repe cmpsb", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000, [Reg.ECX]: 10 });
    m.mem.bytes.set([1, 2, 3, 0x41, 5], 0x2000);
    m.mem.bytes.set([1, 2, 3, 0x61, 5], 0x3000);
    runToHalt(m.cpu);
    expect([m.cpu.regs[Reg.ECX], m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI]]).toEqual([6, 0x2004, 0x3004]);
    expect(getEflags(m.cpu) & (Eflags.ZF | Eflags.CF | Eflags.SF)).toBe(Eflags.CF | Eflags.SF);
    expect(m.cpu.icount).toBe(4 + 1);
  });
  it("f3 a7 repe cmpsd on equal buffers → runs out the count: ECX=0, ZF=1", () => {
    const m = prep32("repe cmpsd", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000, [Reg.ECX]: 8 });
    fillPattern(m, 0x2000, 32);
    m.mem.bytes.copyWithin(0x3000, 0x2000, 0x2020);
    runToHalt(m.cpu);
    expect(m.cpu.regs[Reg.ECX]).toBe(0);
    expect(getEflags(m.cpu) & Eflags.ZF).toBe(Eflags.ZF);
    expect(m.cpu.icount).toBe(9);
  });
  it("f2 a6 repne cmpsb → stops at the first equal pair", () => {
    const m = prep32("repne cmpsb", { [Reg.ESI]: 0x2000, [Reg.EDI]: 0x3000, [Reg.ECX]: 10 });
    m.mem.bytes.set([1, 2, 3, 4], 0x2000);
    m.mem.bytes.set([9, 9, 3, 9], 0x3000);
    runToHalt(m.cpu);
    expect(m.cpu.regs[Reg.ECX]).toBe(7);
    expect(getEflags(m.cpu) & Eflags.ZF).toBe(Eflags.ZF);
  });
  it("f2 ae repne scasb strlen idiom: ECX=−1, AL=0 over \"hello\\0\" → 6 iterations, ECX=−7 so not/dec gives 5, EDI past the NUL", () => {
    const m = prep32("xor eax,eax\nmov ecx,-1\nrepne scasb\nnot ecx\ndec ecx", { [Reg.EDI]: 0x2000 });
    m.mem.bytes.set([0x68, 0x65, 0x6c, 0x6c, 0x6f, 0], 0x2000);
    runToHalt(m.cpu);
    expect(m.cpu.regs[Reg.ECX]).toBe(5);
    expect(m.cpu.regs[Reg.EDI]).toBe(0x2006);
  });
  it("66 af scasw: AX=0x1234 vs [EDI]=0x1235 → CF=1 SF=1, EDI+2; std: EDI−2", () => {
    for (const df of [false, true]) {
      const m = prep32("scasw", { [Reg.EAX]: 0x1234, [Reg.EDI]: 0x2000 }, df);
      m.mem.view.setUint16(0x2000, 0x1235, true);
      runToHalt(m.cpu);
      expect(getEflags(m.cpu) & (Eflags.ZF | Eflags.CF | Eflags.SF)).toBe(Eflags.CF | Eflags.SF);
      expect(m.cpu.regs[Reg.EDI]).toBe(df ? 0x1ffe : 0x2002);
    }
  });
  it("f3 af repe scasd: dwords equal to EAX then a different one → stops after it, ZF=0", () => {
    const m = prep32("repe scasd", { [Reg.EAX]: 0x55aa55aa, [Reg.EDI]: 0x2000, [Reg.ECX]: 100 });
    for (let i = 0; i < 5; i++) m.mem.view.setUint32(0x2000 + 4 * i, 0x55aa55aa, true);
    runToHalt(m.cpu);
    expect(m.cpu.regs[Reg.ECX]).toBe(94);
    expect(m.cpu.regs[Reg.EDI]).toBe(0x2018);
    expect(getEflags(m.cpu) & Eflags.ZF).toBe(0);
  });
});

describe("CMPS/SCAS runs match the SDM element loop", () => {
  const elem = (b: Uint8Array, at: number, size: number) => {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + b[at + i];
    return v;
  };
  it("property: repe/repne cmps{b,w,d} and scas{b,w,d}, any DF, page-crossing buffers with one differing byte → ECX ESI EDI ZF CF SF icount as the loop", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0x10000 - 64, max: 0x10000 + 16 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -1, max: 90 }),
      fc.constantFrom(1, 2, 4), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 255 }),
      (src, count, diffAt, size, df, repe, scas, fill) => {
        const dst = src + 0x5000 + 3;
        const op = `${repe ? "repe" : "repne"} ${scas ? "scas" : "cmps"}${size === 1 ? "b" : size === 2 ? "w" : "d"}`;
        const acc = (fill * 0x01010101) >>> 0;
        const m = prep32(op, { [Reg.ESI]: src, [Reg.EDI]: dst, [Reg.ECX]: count, [Reg.EAX]: acc | 0 }, df);
        m.mem.bytes.fill(fill, src - 0x200, src + 0x200);
        m.mem.bytes.fill(fill, dst - 0x200, dst + 0x200);
        if (diffAt >= 0) m.mem.bytes[(df ? dst - diffAt : dst + diffAt)] ^= 0x81;
        const b = m.mem.bytes.slice();
        const mod = 2 ** (8 * size);
        let s = src, d = dst, c = count, a = 0, v = 0, r = 0;
        while (c > 0) {
          a = scas ? acc % mod : elem(b, s, size);
          v = elem(b, d, size);
          r = (a - v + mod) % mod;
          if (!scas) s += df ? -size : size;
          d += df ? -size : size;
          c--;
          if ((r === 0) !== repe) break;
        }
        runToHalt(m.cpu);
        expect([m.cpu.regs[Reg.ECX], m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI]]).toEqual([c, s, d]);
        expect(m.cpu.icount).toBe(Math.max(count - c, 1) + 1);
        if (count > 0) {
          const f = getEflags(m.cpu);
          expect([(f & Eflags.ZF) !== 0, (f & Eflags.CF) !== 0, (f & Eflags.SF) !== 0]).toEqual([r === 0, a < v, r >= mod / 2]);
        }
      }), { numRuns: 300 });
  });
});

describe("INS 6C/6D, OUTS 6E/6F", () => {
  it("f3 6e rep outsb to DX=0x3f8 → three byte writes in order, ESI +3", () => {
    const m = prep32("rep outsb", { [Reg.ESI]: 0x2000, [Reg.ECX]: 3, 2: 0x103f8 });
    m.mem.bytes.set([0x41, 0x42, 0x43], 0x2000);
    runToHalt(m.cpu);
    expect(m.host.out).toEqual([0x41, 0x42, 0x43].map((value) => ({ port: 0x3f8, size: 1, value })));
    expect(m.cpu.regs[Reg.ESI]).toBe(0x2003);
  });
  it("6f outsd / 66 6f outsw → 4- and 2-byte port writes", () => {
    const m = prep32("outsd\noutsw", { [Reg.ESI]: 0x2000, 2: 0x80 });
    m.mem.view.setUint32(0x2000, 0xdeadbeef, true); m.mem.view.setUint16(0x2004, 0xcafe, true);
    runToHalt(m.cpu);
    expect(m.host.out.map((o) => [o.port, o.size, o.value >>> 0])).toEqual([[0x80, 4, 0xdeadbeef], [0x80, 2, 0xcafe]]);
  });
  it("f3 66 6d rep insw from DX=0x1f0 with a counting device → words stored in order, EDI +8", () => {
    const m = prep32("rep insw", { [Reg.EDI]: 0x3000, [Reg.ECX]: 4, 2: 0x1f0 });
    let n = 0;
    m.host.inValue = (port, size) => (port === 0x1f0 && size === 2 ? 0x1100 + n++ : 0);
    runToHalt(m.cpu);
    expect([0, 2, 4, 6].map((o) => rd16(m.mem, 0x3000 + o))).toEqual([0x1100, 0x1101, 0x1102, 0x1103]);
    expect(m.cpu.regs[Reg.EDI]).toBe(0x3008);
  });
  it("std; 6c insb → one byte at EDI, EDI −1", () => {
    const m = prep32("std\ninsb", { [Reg.EDI]: 0x3000, 2: 0x60 });
    m.host.inValue = () => 0x9c;
    runToHalt(m.cpu);
    expect(m.mem.bytes[0x3000]).toBe(0x9c);
    expect(m.cpu.regs[Reg.EDI]).toBe(0x2fff);
  });
  it("real mode 6c insb with DI=0xffff → stored at ES:0xffff, DI=0", () => {
    const m = run16("insb", (mm) => { mm.cpu.regs[Reg.EDI] = 0xffff; mm.cpu.regs[2] = 0x60; mm.host.inValue = () => 0x77; });
    expect(m.mem.bytes[0xffff]).toBe(0x77);
    expect(m.cpu.regs[Reg.EDI]).toBe(0);
  });
});

describe("REP and icount: each iteration retires as one instruction", () => {
  const SRC = "mov esi,0x20000\nmov edi,0x40000\nmov ecx,5000\nrep movsb\nmov ecx,777\nmov eax,0x01020304\nrep stosd\nmov edi,0x20000\nmov ecx,-1\nmov al,0xfe\nrepne scasb";
  function fresh(): Machine {
    const m = prep32(SRC);
    fillPattern(m, 0x20000, 6000, 9);
    m.mem.bytes[0x20000 + 4321] = 0xfe;
    for (let i = 0; i < 4321; i++) if (m.mem.bytes[0x20000 + i] === 0xfe) m.mem.bytes[0x20000 + i] = 0;
    return m;
  }
  it("run(until) stops mid-REP at exactly `until`: 3 setup instructions + 10 iterations → ECX=4990, EIP at the REP", () => {
    const m = fresh();
    expect(m.cpu.run(13)).toBe(STOP_LIMIT);
    expect(m.cpu.icount).toBe(13);
    expect(m.cpu.regs[Reg.ECX]).toBe(4990);
    expect(m.cpu.regs[Reg.ESI]).toBe(0x20000 + 10);
    expect(m.cpu.eip).toBe(0x1000 + 15); // rep movsb starts after three 5-byte movs
  });
  it("running in chunks of 1, 7 and 997 instructions ends in the same state and icount as one run", () => {
    const whole = fresh();
    runToHalt(whole.cpu);
    // 3 + 5000 + 2 + 777 + 4 + 4322 iterations of repne scasb (stops on the 0xfe at index 4321) + hlt
    expect(whole.cpu.icount).toBe(3 + 5000 + 2 + 777 + 3 + 4322 + 1);
    for (const chunk of [1, 7, 997]) {
      const m = fresh();
      let guard = 0;
      while (!m.cpu.halted && guard++ < 20000) m.cpu.run(m.cpu.icount + chunk);
      expect(m.cpu.icount).toBe(whole.cpu.icount);
      expect(Array.from(m.cpu.regs)).toEqual(Array.from(whole.cpu.regs));
      expect(m.cpu.eip).toBe(whole.cpu.eip);
      expect(getEflags(m.cpu)).toBe(getEflags(whole.cpu));
      expect(Buffer.compare(m.mem.bytes, whole.mem.bytes)).toBe(0);
    }
  });
  it("real mode: an interrupt raised between run slices is taken between iterations with IP = the REP instruction", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, [...nasm("mov cx,100\nrep stosb", 16), 0xf4]);
    real16(m.cpu, 0, 0x1000, 0x8000);
    m.cpu.flags |= Eflags.IF;
    m.cpu.regs[Reg.EDI] = 0x3000; m.cpu.regs[Reg.EAX] = 0x66;
    realHandler(m.mem, 0x20, 0x1800);
    m.cpu.run(1 + 30); // mov + 30 iterations
    m.host.irq.push(0x20);
    m.cpu.poke(); // the machine pokes the CPU when its INTR line rises
    runToHalt(m.cpu);
    expect(m.cpu.eip).toBe(0x1801);
    expect(m.cpu.regs[Reg.ECX] & 0xffff).toBe(70);
    expect(rd16(m.mem, 0x8000 - 6)).toBe(0x1003); // pushed IP: the rep stosb
    expect(m.mem.bytes[0x3000 + 29]).toBe(0x66);
    expect(m.mem.bytes[0x3000 + 30]).toBe(0);
  });
  it("real mode with TF=1: f3 a4 rep movsb CX=3 → #DB trap after the first iteration, pushed IP = the REP, CX=2", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, [0xf3, 0xa4, 0xf4]);
    real16(m.cpu, 0, 0x1000, 0x8000);
    m.cpu.regs[Reg.ESI] = 0x2000; m.cpu.regs[Reg.EDI] = 0x3000; m.cpu.regs[Reg.ECX] = 3;
    m.mem.bytes.set([1, 2, 3], 0x2000);
    m.cpu.flags |= 1 << 8; // TF
    realHandler(m.mem, 1, 0x1800);
    runToHalt(m.cpu);
    expect(m.cpu.eip).toBe(0x1801);
    expect(m.cpu.regs[Reg.ECX]).toBe(2);
    expect(Array.from(m.mem.bytes.subarray(0x3000, 0x3003))).toEqual([1, 0, 0]);
    expect(rd16(m.mem, 0x8000 - 6)).toBe(0x1000);
    expect(m.cpu.icount).toBe(2);
  });
  it("real mode a32 rep movsd hitting the DS limit: #GP at iteration 5 leaves ECX/ESI/EDI as after 4 iterations", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, [...nasm("mov esi,0xfff0\nmov edi,0x4000\nmov ecx,10\na32 rep movsd", 16), 0xf4]);
    real16(m.cpu, 0, 0x1000, 0x8000);
    realHandler(m.mem, 13, 0x1800);
    fillPattern(m, 0xfff0, 32);
    runToHalt(m.cpu);
    expect(m.cpu.eip).toBe(0x1801);
    expect([m.cpu.regs[Reg.ECX], m.cpu.regs[Reg.ESI], m.cpu.regs[Reg.EDI]]).toEqual([6, 0x10000, 0x4010]);
    expect(Array.from(m.mem.bytes.subarray(0x4000, 0x4010))).toEqual(Array.from(m.mem.bytes.subarray(0xfff0, 0x10000)));
    expect(rd32(m.mem, 0x4010)).toBe(0);
    expect(rd16(m.mem, 0x8000 - 6)).toBe(0x1000 + 6 + 6 + 6); // IP of the rep movsd
    expect(m.cpu.icount).toBe(3 + 4 + 1); // 3 movs, 4 retired iterations, the handler's hlt
    expect(m.cpu.regs[Reg.ESP]).toBe(0x8000 - 6);
  });
});
