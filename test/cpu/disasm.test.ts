// The disassembler against GNU objdump (-M intel): every table entry, in 16- and 32-bit code,
// with seeded random modrm/SIB/displacement/immediate bytes and prefixes. objdump runs once per
// mode on a file of 32-byte slots (one instruction each, padded with NOPs).

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { disassemble, disassembleAt } from "../../src/cpu/disasm.js";
import { ONE_BYTE, PREFIX, THREE_BYTE_38, TWO_BYTE, type Entry } from "../../src/cpu/table.js";

interface Path {
  opcode: number[];
  entry: string;
  reg: number;       // modrm.reg forced by a group, else -1
  mod: "mem" | "reg" | "any";
  rm: number;        // modrm.rm forced by a register-form array, else -1
}

/** Every leaf of the table with the modrm constraints that lead to it. */
function leaves(): Path[] {
  const out: Path[] = [];
  const walk = (e: Entry, p: Path) => {
    if (e === null || e === PREFIX) return;
    if (typeof e === "string") {
      if (e.startsWith("escape")) return;
      out.push({ ...p, entry: e });
      return;
    }
    if ("group" in e) e.group.forEach((x, r) => walk(x, { ...p, reg: r }));
    else {
      walk(e.mem, { ...p, mod: "mem" });
      if (Array.isArray(e.reg)) e.reg.forEach((x, r) => walk(x, { ...p, mod: "reg", rm: r }));
      else walk(e.reg, { ...p, mod: "reg" });
    }
  };
  const base = { entry: "", reg: -1, mod: "any" as const, rm: -1 };
  ONE_BYTE.forEach((e, i) => walk(e, { ...base, opcode: [i] }));
  TWO_BYTE.forEach((e, i) => walk(e, { ...base, opcode: [0x0f, i] }));
  THREE_BYTE_38.forEach((e, i) => walk(e, { ...base, opcode: [0x0f, 0x38, i] }));
  return out;
}

/** mulberry32: a fixed-seed generator so every run tests the same encodings. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRING = /^(movs|cmps|stos|lods|scas|ins|outs)/;
const LOCKABLE = /^(add|adc|and|btc|btr|bts|cmpxchg|cmpxchg8b|dec|inc|neg|not|or|sbb|sub|xor|xadd|xchg) [EM]/;

interface Case { bytes: number[]; code32: boolean; address: number; entry: string; ours: { text: string; length: number } }

const STRIDE = 32;

function generate(code32: boolean, perEntry: number, seed: number): Case[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const cases: Case[] = [];
  for (const p of leaves()) {
    const ops = p.entry.includes(" ") ? p.entry.slice(p.entry.indexOf(" ") + 1).split(",") : [];
    const mnem = p.entry.split(" ")[0];
    const memOnly = ops.some((o) => /^M/.test(o));
    const variants = mnem.split("/").slice(1).map((v) => parseInt(v.split("=")[0], 16));
    for (let k = 0; k < perEntry; k++) {
      let mod = Math.floor(r() * 4);
      if (p.mod === "mem" || memOnly) mod = Math.floor(r() * 3);
      if (p.mod === "reg") mod = 3;
      let reg = p.reg >= 0 ? p.reg : Math.floor(r() * 8);
      if (ops.includes("Sw")) reg = Math.floor(r() * 6);
      const rm = p.rm >= 0 ? p.rm : Math.floor(r() * 8);
      const pfx: number[] = [];
      if (LOCKABLE.test(p.entry) && mod < 3 && r() < 0.3) pfx.push(0xf0);
      if (r() < 0.3) pfx.push(pick([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]));
      // 66 on a 0F opcode without operand-size-dependent operands selects SSE/CET/MPX
      // instructions on later CPUs, which objdump decodes; i686 ignores it, so skip those.
      const opsizeMatters = p.opcode[0] !== 0x0f || ops.some((o) => /v$|z$|^Ms$|^Mp$/.test(o));
      if (r() < 0.3 && variants.length === 0 && opsizeMatters) pfx.push(0x66);
      if (r() < 0.3) pfx.push(0x67);
      if (STRING.test(mnem) && r() < 0.5) pfx.push(pick([0xf2, 0xf3]));
      if (variants.length && r() < 0.7) pfx.push(pick(variants));
      const tail = Array.from({ length: 14 }, () => Math.floor(r() * 256));
      const raw = [...pfx, ...p.opcode, (mod << 6) | (reg << 3) | rm, ...tail];
      const address = cases.length * STRIDE;
      const ours = disassemble(raw, 0, { code32, address });
      // A (bad) keeps all its bytes so that objdump sees the same encoding.
      const bytes = raw.slice(0, ours.text === "(bad)" ? 15 : ours.length);
      cases.push({ bytes, code32, address, entry: p.entry, ours });
    }
  }
  return cases;
}

/** objdump's line per slot address: its instruction text and length. */
function objdump(cases: Case[], code32: boolean): Map<number, { text: string; length: number }> {
  const buf = Buffer.alloc(cases.length * STRIDE, 0x90);
  for (const c of cases) buf.set(c.bytes, c.address);
  const dir = mkdtempSync(join(tmpdir(), "disasm-"));
  const file = join(dir, "code.bin");
  writeFileSync(file, buf);
  const out = execFileSync("objdump", ["-D", "-w", "-b", "binary", "-m", code32 ? "i386" : "i8086", "-M", "intel", file],
    { maxBuffer: 1 << 28 }).toString();
  const lines = new Map<number, { text: string; length: number }>();
  for (const line of out.split("\n")) {
    const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$/.exec(line);
    if (m) lines.set(parseInt(m[1], 16), { text: m[3], length: m[2].trim().split(" ").length });
  }
  return lines;
}

const has = (c: Case, b: number) => {
  for (const x of c.bytes) { if (x === b) return true; if (!(x in PFX)) return false; }
  return false;
};
const PFX: Record<number, true> = { 0x26: true, 0x2e: true, 0x36: true, 0x3e: true, 0x64: true, 0x65: true,
  0x66: true, 0x67: true, 0xf0: true, 0xf2: true, 0xf3: true };

/**
 * objdump's cosmetic differences and its departures from the SDM, applied to objdump's text
 * (and, where noted, to ours). Each rule names its reason.
 */
function normalize(objText: string, ourText: string, c: Case): [string, string] {
  // objdump pads the mnemonic into a column and writes size keywords in capitals.
  let o = objText.replace(/\s+/g, " ").trim().toLowerCase();
  let u = ourText;
  const op32 = c.code32 !== has(c, 0x66);
  // objdump suffixes w/d on stack and branch instructions whose operand size was overridden
  // (pushw es, retw, jmpw 0x14); the operand size shows in our operands or not at all.
  o = o.replace(/^((?:\w+ )*?)(push|pop|ret|retf|jmp|call|enter|leave)[wd]\b/, "$1$2");
  // PUSHA/POPA/PUSHF/POPF/IRET: objdump adds no d at 32-bit operand size and w/d only when
  // overridden; we print the SDM name for the operand size (pusha|pushad, iret|iretd).
  o = o.replace(/^((?:\w+ )*?)(pusha|popa|pushf|popf|iret)[wd]?\b/, (_, p, m) => p + m + (op32 ? "d" : ""));
  // SGDT/SIDT/LGDT/LIDT: objdump appends the operand size letter; the operand is always 6 bytes.
  o = o.replace(/\b([sl][gi]dt)[wd]\b/, "$1");
  // Moffs (A0-A3): objdump omits the size keyword; we print it as for any memory operand.
  if (c.bytes.some((b, i) => b >= 0xa0 && b <= 0xa3 && c.bytes.slice(0, i).every((x) => x in PFX))) {
    u = u.replace(/\b(byte|word|dword) ptr /, "");
    // ...and marks an address-size override with addr16/addr32 although the moffs width uses it.
    o = o.replace(/\baddr(16|32) /, "");
  }
  // Jb with an operand-size override: objdump says data16 (but the branch truncates EIP to 16
  // bits, SDM Vol.2 JMP), and it never wraps a 16-bit target (eb 80 at 0 → 0xffffff82).
  if (/ Jb$/.test(c.entry)) o = o.replace(/\bdata(16|32) /, "");
  if (/^(?:\w+ )*j|loop|call/.test(u)) {
    if (!op32) o = o.replace(/^((?:\w+ )*(?:j\w+|loop\w*|call)) 0x([0-9a-f]+)$/, (_, p, t) => `${p} 0x${(parseInt(t, 16) & 0xffff).toString(16)}`);
  }
  // 66 90: objdump shows the xchg the encoding names (xchg ax,ax; xchg eax,eax in 16-bit
  // code); it is the same no-op, and the operand-size prefix changes nothing.
  if (c.entry.startsWith("nop") && /xchg (e?ax),\1$/.test(o)) {
    o = o.replace(/xchg (e?ax),\1$/, "nop");
    u = u.replace(/\bdata(16|32) /, "");
  }
  // Group 2 /6: an undocumented alias of /4 (SDM Table A-6 leaves /6 blank); the table calls
  // it sal, objdump calls it shl.
  if (/^sal /.test(c.entry)) o = o.replace(/\bshl\b/, "sal");
  // 0F 18 /0-/3: objdump names the prefetch hints; the table lists 0F 18-1F as hint NOPs.
  o = o.replace(/^prefetch(nta|t0|t1|t2) /, "nop ");
  // MOV Sreg,r (8E): objdump prints the operand-size register; SDM lists only r/m16.
  // It also counts the operand-size prefix as used there; we print it as an unused data16/32.
  if (c.entry === "mov Sw,Ew" && !/ptr/.test(o)) {
    o = o.replace(/,e([a-z]{2})$/, ",$1");
    u = u.replace(/\bdata(16|32) /, "");
  }
  // BSWAP: objdump prints the operand-size register; the SDM defines only BSWAP r32 (a 16-bit
  // operand size is undefined), which the table encodes as Zd.
  if (c.entry === "bswap Zd") o = o.replace(/ ([a-z]{2})$/, " e$1");
  // 3E on an indirect CALL/JMP is CET's NOTRACK to objdump; before CET it is a DS override.
  if (/\bnotrack /.test(o)) { o = o.replace(/\bnotrack /, ""); u = u.replace(/\bds:|\bds /, ""); }
  // In 16-bit code objdump names an address-size override whose 32-bit address has no base
  // or index register (ds:0x..., [eiz*4+...]), although the address width is used.
  if (!c.code32 && /\bds:0x|\b\w\w:0x|\[eiz/.test(o)) o = o.replace(/\baddr32 /, "");
  // FCOM/FCOMP ST(i): objdump omits the implicit ST(0) operand the SDM opcode map lists.
  o = o.replace(/^((?:\w+ )*fcomp?) (st\(\d\))$/, "$1 st,$2");
  // objdump annotates 8087/287-only control instructions (no-ops on later FPUs).
  o = o.replace(/\((8087|287) only\)$/, "");
  // objdump names 287 FSETPM by its no-wait spelling.
  o = o.replace(/\bfnsetpm$/, "fsetpm");
  // INVLPG m: objdump sizes it as a byte.
  o = o.replace(/\binvlpg byte ptr /, "invlpg ");
  return [o, u];
}

/** Entries where objdump has no decoding of a defined opcode: our text is the SDM's. */
const OBJDUMP_UNKNOWN: Record<string, string> = {
  salc: "D6 SALC is undocumented in the SDM opcode map but defined on every IA-32 CPU; objdump prints (bad)",
  // Undocumented x87 register-form aliases (x87/table.ts header); objdump prints (bad).
  fstp1: "D9 D8+i", fcom2: "DC D0+i", fcomp3: "DC D8+i", fxch4: "DD C8+i", fcomp5: "DE D0+i",
  fxch7: "DF C8+i", fstp8: "DF D0+i", fstp9: "DF D8+i",
};

/** Opcodes objdump decodes as later instructions: 0F 19-1E are reserved hint NOPs (SDM Table
 *  A-3 "NOP Ev") that later CPUs reuse (MPX bndldx/bndmov/bndstx, cldemote, endbr); 0F 18 /4-/7
 *  likewise, with objdump sizing it as a byte. */
const SKIP_0F = new Set([0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e]);

function compare(code32: boolean) {
  const cases = generate(code32, 16, code32 ? 32 : 16);
  const theirs = objdump(cases, code32);
  const bad: string[] = [];
  let checked = 0;
  for (const c of cases) {
    const t = theirs.get(c.address);
    const hexBytes = c.bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    if (OBJDUMP_UNKNOWN[c.entry.split(" ")[0]]) continue;
    const op = c.bytes.findIndex((b) => !(b in PFX));
    if (c.bytes[op] === 0x0f && SKIP_0F.has(c.bytes[op + 1])) continue;
    if (!t) { bad.push(`${hexBytes}: objdump has no line at this slot; ours ${c.ours.text}`); continue; }
    const [o, u] = normalize(t.text, c.ours.text, c);
    checked++;
    // For an undefined encoding objdump consumes the opcode bytes; ours is length 1 by contract.
    if (/^(\w+ )*\(bad\)$/.test(o) && u === "(bad)") continue;
    if (o !== u || t.length !== c.ours.length) bad.push(`${hexBytes} [${c.entry}]: objdump "${o}" (${t.length}) ours "${u}" (${c.ours.length})`);
  }
  return { bad, checked };
}

describe("disassemble vs objdump -M intel", () => {
  it("32-bit code: every table entry, 16 random encodings each → same text and length", () => {
    const { bad, checked } = compare(true);
    expect(checked).toBeGreaterThan(2000);
    expect(bad.slice(0, 40)).toEqual([]);
  });
  it("16-bit code: every table entry, 16 random encodings each → same text and length", () => {
    const { bad, checked } = compare(false);
    expect(checked).toBeGreaterThan(2000);
    expect(bad.slice(0, 40)).toEqual([]);
  });
});

describe("disassemble", () => {
  it("every non-null table entry, every modrm byte reaching it, both modes → no throw, length 1..15", () => {
    for (const p of leaves()) {
      for (let m = 0; m < 256; m++) {
        if (p.reg >= 0 && ((m >> 3) & 7) !== p.reg) continue;
        if (p.rm >= 0 && (m & 7) !== p.rm) continue;
        if ((p.mod === "mem" && m >= 0xc0) || (p.mod === "reg" && m < 0xc0)) continue;
        for (const code32 of [false, true]) {
          const d = disassemble([...p.opcode, m, 0x24, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0, { code32 });
          expect(d.length).toBeGreaterThanOrEqual(1);
          expect(d.length).toBeLessThanOrEqual(15);
        }
      }
    }
  });
  // Expected texts are objdump 2.40's output (-M intel), lowercased.
  const examples32: [number[], string][] = [
    [[0xf3, 0xa5], "rep movs dword ptr es:[edi],dword ptr ds:[esi]"],
    [[0x26, 0xa4], "movs byte ptr es:[edi],byte ptr es:[esi]"],
    [[0xf2, 0xae], "repnz scas al,byte ptr es:[edi]"],
    [[0x8b, 0x44, 0xb3, 0x10], "mov eax,dword ptr [ebx+esi*4+0x10]"],
    [[0x8b, 0x04, 0x25, 0xf0, 0xff, 0xff, 0xff], "mov eax,dword ptr [eiz*1-0x10]"],
    [[0x9a, 0x78, 0x56, 0x34, 0x12, 0x34, 0x12], "call 0x1234:0x12345678"],
    [[0x66, 0x0f, 0xc7, 0x30], "vmclear qword ptr [eax]"],
    [[0xf0, 0x01, 0x18], "lock add dword ptr [eax],ebx"],
    [[0x0f, 0x20, 0xc0], "mov eax,cr0"],
    [[0x6b, 0xc0, 0xff], "imul eax,eax,0xffffffff"],
    [[0xdc, 0xc1], "fadd st(1),st"],
    [[0x26, 0x90], "es nop"],
    [[0xf3, 0x90], "pause"],
    [[0x67, 0xe3, 0xfe], "jcxz 0x1"],
  ];
  for (const [bytes, text] of examples32) {
    const hexText = bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    it(`${hexText} (32-bit) → ${text}`, () => {
      expect(disassemble(bytes, 0, { code32: true, address: 0 })).toEqual({ text, length: bytes.length });
    });
  }
  it("8b 40 f0 (16-bit) → mov ax,word ptr [bx+si-0x10]", () => {
    expect(disassemble([0x8b, 0x40, 0xf0], 0, { code32: false })).toEqual({ text: "mov ax,word ptr [bx+si-0x10]", length: 3 });
  });
  it("d6 salc (absent from objdump) → salc", () => {
    expect(disassemble([0xd6], 0, { code32: true })).toEqual({ text: "salc", length: 1 });
  });
  it("0f 0a (undefined, objdump: (bad)) → (bad), length 1", () => {
    expect(disassemble([0x0f, 0x0a], 0, { code32: true })).toEqual({ text: "(bad)", length: 1 });
  });
  it("8d c0 lea eax,<register> (memory required, objdump: (bad)) → (bad), length 1", () => {
    expect(disassemble([0x8d, 0xc0], 0, { code32: true })).toEqual({ text: "(bad)", length: 1 });
  });
  it("b8 12 34 truncated by the end of the bytes → (bad), length 1", () => {
    expect(disassemble([0xb8, 0x12, 0x34], 0, { code32: true })).toEqual({ text: "(bad)", length: 1 });
  });
  it("disassembleAt reads through the callback: e8 00 00 00 00 at 0x1000 → call 0x1005", () => {
    const mem = new Map([[0x1000, 0xe8], [0x1001, 0], [0x1002, 0], [0x1003, 0], [0x1004, 0]]);
    expect(disassembleAt((a) => mem.get(a) ?? 0x90, 0x1000, true)).toEqual({ text: "call 0x1005", length: 5 });
  });
});
