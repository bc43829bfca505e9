// x87 against silicon: fast-check generated operands (normals, denormals, zeros, infinities,
// NaNs, unsupported encodings, integers, values with short significands for exact ties) under
// every rounding and precision control, run natively (hostcpu.ts) and in the emulator (emu.ts).
// Exact operations must match bit for bit (control word, status word, abridged tag, registers,
// EFLAGS for FCOMI/FCMOV, memory stores); transcendentals must be within 1 ulp with the same
// condition codes and the same exception flags apart from C1 (the rounding direction).
// The last-instruction pointers are not compared (AMD stores them only with an exception pending).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EmuResult, runOnEmu } from "./emu.js";
import { DEFAULT_ESP, type DiffCase, type DiffResult, runOnHost, SCRATCH_ADDR } from "./hostcpu.js";
import { RUN_SCALE, SEED } from "./check.js";

const MEM = SCRATCH_ADDR + 0x100;

interface Val { se: number; m: bigint }

const anyMant = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const normMant = fc.oneof(
  anyMant.map((m) => m | (1n << 63n)),
  // few significant bits: exact results, halfway cases
  fc.tuple(fc.bigInt({ min: 0n, max: (1n << 12n) - 1n }), fc.integer({ min: 0, max: 52 })).map(([m, s]) => (1n << 63n) | (m << BigInt(s))),
  fc.constantFrom((1n << 63n), (1n << 64n) - 1n, (1n << 63n) | 1n, 0xc000000000000000n, 0xffffffffffffff80n),
);
const expNear = (c: number, w: number) => fc.integer({ min: c - w, max: c + w });
const val: fc.Arbitrary<Val> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ s: fc.boolean(), e: expNear(0x3fff, 70), m: normMant }).map(({ s, e, m }) => ({ se: (s ? 0x8000 : 0) | e, m })) },
  { weight: 2, arbitrary: fc.record({ s: fc.boolean(), e: fc.integer({ min: 1, max: 0x7ffe }), m: normMant }).map(({ s, e, m }) => ({ se: (s ? 0x8000 : 0) | e, m })) },
  { weight: 2, arbitrary: fc.record({ s: fc.boolean(), e: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0x7fff - 80, max: 0x7ffe })), m: normMant }).map(({ s, e, m }) => ({ se: (s ? 0x8000 : 0) | e, m })) },
  // integers (for FIST/FBSTP/FRNDINT and exact quotients)
  { weight: 2, arbitrary: fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: (1n << 70n) })).map(([s, v]) => {
    const n = v.toString(2).length;
    return n > 64 ? { se: (s ? 0x8000 : 0) | (0x3fff + n - 1), m: v >> BigInt(n - 64) } : { se: (s ? 0x8000 : 0) | (0x3fff + n - 1), m: v << BigInt(64 - n) };
  }) },
  { weight: 1, arbitrary: fc.record({ s: fc.boolean(), m: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }) }).map(({ s, m }) => ({ se: s ? 0x8000 : 0, m })) },
  { weight: 1, arbitrary: fc.boolean().map((s) => ({ se: s ? 0x8000 : 0, m: 0n })) },
  { weight: 1, arbitrary: fc.boolean().map((s) => ({ se: (s ? 0x8000 : 0) | 0x7fff, m: 1n << 63n })) },
  { weight: 1, arbitrary: fc.record({ s: fc.boolean(), q: fc.boolean(), m: fc.bigInt({ min: 1n, max: (1n << 62n) - 1n }) })
    .map(({ s, q, m }) => ({ se: (s ? 0x8000 : 0) | 0x7fff, m: (1n << 63n) | (q ? 1n << 62n : 0n) | m })) },
);
// A small share of unsupported encodings (unnormals, pseudo-denormals) for the exact operations.
const valOrOdd = fc.oneof({ weight: 30, arbitrary: val }, { weight: 1, arbitrary: fc.record({ e: fc.integer({ min: 0, max: 0x7fff }), m: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }) }).map(({ e, m }) => ({ se: e, m: e === 0 ? m | (1n << 63n) : m })) });

const cwArb = fc.record({
  pc: fc.constantFrom(0, 2, 3, 3),
  rc: fc.integer({ min: 0, max: 3 }),
  masks: fc.oneof({ weight: 6, arbitrary: fc.constant(0x3f) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x3f }) }),
}).map(({ pc, rc, masks }) => 0x40 | (rc << 10) | (pc << 8) | masks);

function fxImage(cw: number, regs: Val[], sw = 0): Uint8Array {
  const img = new Uint8Array(512);
  const v = new DataView(img.buffer);
  v.setUint16(0, cw, true);
  v.setUint16(2, sw, true);
  v.setUint8(4, (1 << regs.length) - 1);
  v.setUint32(24, 0x1f80, true);
  v.setUint32(28, 0xffff, true);
  regs.forEach((r, i) => {
    v.setBigUint64(32 + 16 * i, r.m, true);
    v.setUint16(40 + 16 * i, r.se, true);
  });
  return img;
}

interface Op { name: string; code: number[]; regs: number; mem?: "m16" | "m32" | "m64" | "m80" | "bcd"; approx?: boolean; vals?: fc.Arbitrary<Val> }

const regForm = (name: string, code: number[], regs = 2): Op => ({ name, code, regs });
const EXACT_OPS: Op[] = [
  ...["fadd", "fmul", "", "", "fsub", "fsubr", "fdiv", "fdivr"].flatMap((n, r) => n ? [
    regForm(`${n} st0,st1`, [0xd8, 0xc1 | (r << 3)]),
    regForm(`${n}p st1,st0`, [0xde, 0xc1 | (r << 3)]),
    { name: `${n} dword [esi]`, code: [0xd8, 0x06 | (r << 3)], regs: 1, mem: "m32" as const },
    { name: `${n} qword [esi]`, code: [0xdc, 0x06 | (r << 3)], regs: 1, mem: "m64" as const },
    { name: `fi${n.slice(1)} dword [esi]`, code: [0xda, 0x06 | (r << 3)], regs: 1, mem: "m32" as const },
    { name: `fi${n.slice(1)} word [esi]`, code: [0xde, 0x06 | (r << 3)], regs: 1, mem: "m16" as const },
  ] : []),
  regForm("fsqrt", [0xd9, 0xfa], 1), regForm("frndint", [0xd9, 0xfc], 1), regForm("fscale", [0xd9, 0xfd]),
  regForm("fxtract", [0xd9, 0xf4], 1), regForm("fprem", [0xd9, 0xf8]), regForm("fprem1", [0xd9, 0xf5]),
  regForm("fcom st1", [0xd8, 0xd1]), regForm("fcomp st1", [0xd8, 0xd9]), regForm("fcomip st1", [0xdf, 0xf1]), regForm("fcompp", [0xde, 0xd9]), regForm("fucom st1", [0xdd, 0xe1]),
  regForm("fucompp", [0xda, 0xe9]), regForm("ftst", [0xd9, 0xe4], 1), regForm("fxam", [0xd9, 0xe5], 1),
  regForm("fcomi st1", [0xdb, 0xf1]), regForm("fucomip st1", [0xdf, 0xe9]), regForm("fchs", [0xd9, 0xe0], 1),
  regForm("fabs", [0xd9, 0xe1], 1), regForm("fxch st1", [0xd9, 0xc9]), regForm("fcmovbe st1", [0xda, 0xd1]),
  regForm("fcmovnu st1", [0xdb, 0xd9]), regForm("fld st1", [0xd9, 0xc1]), regForm("fst st1", [0xdd, 0xd1]),
  { name: "fcom dword [esi]", code: [0xd8, 0x16], regs: 1, mem: "m32" },
  { name: "ficomp word [esi]", code: [0xde, 0x1e], regs: 1, mem: "m16" },
  { name: "fld dword [esi]", code: [0xd9, 0x06], regs: 1, mem: "m32" },
  { name: "fld qword [esi]", code: [0xdd, 0x06], regs: 1, mem: "m64" },
  { name: "fld tword [esi]", code: [0xdb, 0x2e], regs: 1, mem: "m80" },
  { name: "fild word [esi]", code: [0xdf, 0x06], regs: 1, mem: "m16" },
  { name: "fild qword [esi]", code: [0xdf, 0x2e], regs: 1, mem: "m64" },
  { name: "fbld [esi]", code: [0xdf, 0x26], regs: 1, mem: "bcd" },
  { name: "fst dword [esi]", code: [0xd9, 0x16], regs: 1 },
  { name: "fstp dword [esi]", code: [0xd9, 0x1e], regs: 1 },
  { name: "fst qword [esi]", code: [0xdd, 0x16], regs: 1 },
  { name: "fist dword [esi]", code: [0xdb, 0x16], regs: 1 },
  { name: "fld st1 (full stack)", code: [0xd9, 0xc1], regs: 8 },
  { name: "fsincos (full stack)", code: [0xd9, 0xfb], regs: 8 },
  { name: "fld1 (full stack)", code: [0xd9, 0xe8], regs: 8 },
  { name: "fadd st0,st1 (ST1 empty)", code: [0xd8, 0xc1], regs: 1 },
  { name: "fstp dword [esi] (empty)", code: [0xd9, 0x1e], regs: 0 },
  { name: "fistp word [esi] (empty)", code: [0xdf, 0x1e], regs: 0 },
  { name: "fcomp st1 (ST1 empty)", code: [0xd8, 0xd9], regs: 1 },
  { name: "fxch st1 (ST1 empty)", code: [0xd9, 0xc9], regs: 1 },
  { name: "fstp qword [esi]", code: [0xdd, 0x1e], regs: 1 },
  { name: "fstp tword [esi]", code: [0xdb, 0x3e], regs: 1 },
  { name: "fist word [esi]", code: [0xdf, 0x16], regs: 1 },
  { name: "fistp dword [esi]", code: [0xdb, 0x1e], regs: 1 },
  { name: "fistp qword [esi]", code: [0xdf, 0x3e], regs: 1 },
  { name: "fbstp [esi]", code: [0xdf, 0x36], regs: 1 },
  ...[0, 1, 2, 3, 4, 5, 6].map((c) => regForm(`fld const ${c}`, [0xd9, 0xe8 + c], 1)),
];
// Silicon reduces FSIN/FCOS/FSINCOS/FPTAN arguments with a finite approximation of pi, so it is
// within 1 ulp of the exact result only for moderate arguments: |x| < 8 here, plus the special
// operands (zeros, denormals, infinities, NaNs, |x| >= 2^63 which is left unchanged with C2=1).
const special = fc.oneof(
  fc.boolean().map((s) => ({ se: s ? 0x8000 : 0, m: 0n })),
  fc.boolean().map((s) => ({ se: (s ? 0x8000 : 0) | 0x7fff, m: 1n << 63n })),
  fc.record({ s: fc.boolean(), m: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }) }).map(({ s, m }) => ({ se: s ? 0x8000 : 0, m })),
  fc.record({ s: fc.boolean(), m: fc.bigInt({ min: 1n, max: (1n << 62n) - 1n }) }).map(({ s, m }) => ({ se: (s ? 0x8000 : 0) | 0x7fff, m: (3n << 62n) | m })),
  fc.record({ s: fc.boolean(), e: fc.integer({ min: 0x3fff + 63, max: 0x7ffe }), m: normMant }).map(({ s, e, m }) => ({ se: (s ? 0x8000 : 0) | e, m })),
);
const trigArg = fc.oneof(
  { weight: 12, arbitrary: fc.record({ s: fc.boolean(), e: fc.integer({ min: 0x3fff - 70, max: 0x4001 }), m: normMant }).map(({ s, e, m }) => ({ se: (s ? 0x8000 : 0) | e, m })) },
  { weight: 1, arbitrary: special },
);
const APPROX_OPS: Op[] = [
  { name: "fsin", code: [0xd9, 0xfe], regs: 1, approx: true, vals: trigArg },
  { name: "fcos", code: [0xd9, 0xff], regs: 1, approx: true, vals: trigArg },
  { name: "fsincos", code: [0xd9, 0xfb], regs: 1, approx: true, vals: trigArg },
  { name: "fptan", code: [0xd9, 0xf2], regs: 1, approx: true, vals: trigArg },
  { name: "fpatan", code: [0xd9, 0xf3], regs: 2, approx: true },
  { name: "f2xm1", code: [0xd9, 0xf0], regs: 1, approx: true },
  { name: "fyl2x", code: [0xd9, 0xf1], regs: 2, approx: true },
  { name: "fyl2xp1", code: [0xd9, 0xf9], regs: 2, approx: true },
];

const memArb: Record<string, fc.Arbitrary<Uint8Array>> = {
  m16: fc.integer({ min: 0, max: 0xffff }).map((v) => Uint8Array.of(v & 0xff, v >> 8)),
  m32: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }),
    fc.constantFrom(0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00001, 0x7f800001, 0x00000001, 0x807fffff, 0x3f800000))
    .map((v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; }),
  m64: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.constantFrom(0n, 0x7ff0000000000000n, 0x0000000000000001n, 0x7ff0000000000001n, 0x3ff0000000000000n, 0x800fffffffffffffn))
    .map((v) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); return b; }),
  m80: val.map((v) => { const b = new Uint8Array(10); const dv = new DataView(b.buffer); dv.setBigUint64(0, v.m, true); dv.setUint16(8, v.se, true); return b; }),
  bcd: fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), fc.boolean()).map(([v, s]) => {
    const b = new Uint8Array(10);
    const str = v.toString().padStart(18, "0");
    for (let i = 0; i < 9; i++) b[i] = (str.charCodeAt(17 - 2 * i) - 48) | ((str.charCodeAt(16 - 2 * i) - 48) << 4);
    b[9] = s ? 0x80 : 0;
    return b;
  }),
};

interface Gen { op: Op; cw: number; regs: Val[]; mem: Uint8Array; eflags: number }

function genFor(op: Op, valArb: fc.Arbitrary<Val>): fc.Arbitrary<Gen> {
  return fc.record({
    cw: cwArb,
    regs: fc.array(op.vals ?? valArb, { minLength: op.regs, maxLength: op.regs }),
    mem: op.mem ? memArb[op.mem] : fc.constant(new Uint8Array(0)),
    eflags: fc.integer({ min: 0, max: 0x8d5 }),
  }).map((g) => ({ op, ...g }));
}

function toCase(g: Gen): DiffCase {
  const scratch = new Uint8Array(0x200).fill(0x5a);
  scratch.set(g.mem, 0x100);
  const regs = [0, 0, 0, 0, DEFAULT_ESP, 0, MEM, 0];
  return { code: Uint8Array.from(g.op.code), regs, eflags: g.eflags, scratch, fxsave: fxImage(g.cw, g.regs), dumpFpu: true };
}

const h16 = (v: number) => v.toString(16).padStart(4, "0");
function stHex(img: Uint8Array, i: number): string {
  const v = new DataView(img.buffer, img.byteOffset);
  return `${h16(v.getUint16(40 + 16 * i, true))}:${v.getBigUint64(32 + 16 * i, true).toString(16).padStart(16, "0")}`;
}
function key(img: Uint8Array, i: number): bigint {
  const v = new DataView(img.buffer, img.byteOffset);
  const se = v.getUint16(40 + 16 * i, true), m = v.getBigUint64(32 + 16 * i, true);
  const e = BigInt(se & 0x7fff);
  const k = e === 0n ? m : e * (1n << 63n) + (m & ((1n << 63n) - 1n));
  return se & 0x8000 ? -k : k;
}

/** Differences between host and emulator for one case ([] when they agree). */
function diff(g: Gen, h: DiffResult, e: EmuResult): string[] {
  const out: string[] = [];
  if (e.error !== undefined) out.push(`emulator error: ${e.error}`);
  if (h.signal !== e.signal) out.push(`signal host ${h.signal}/${h.trapno} emu ${e.signal}/${e.trapno}`);
  const hf = h.fxsave!, ef = e.fxsave!;
  const w = (img: Uint8Array, o: number) => img[o] | (img[o + 1] << 8);
  if (w(hf, 0) !== w(ef, 0)) out.push(`fcw host ${h16(w(hf, 0))} emu ${h16(w(ef, 0))}`);
  const swMask = g.op.approx ? ~0x200 & 0xffff : 0xffff;
  if ((w(hf, 2) & swMask) !== (w(ef, 2) & swMask)) out.push(`fsw host ${h16(w(hf, 2))} emu ${h16(w(ef, 2))}`);
  if (hf[4] !== ef[4]) out.push(`ftw host ${hf[4].toString(16)} emu ${ef[4].toString(16)}`);
  for (let i = 0; i < 8; i++) {
    const top = (w(hf, 2) >> 11) & 7;
    if (((hf[4] >> ((top + i) & 7)) & 1) === 0) continue; // empty in silicon: contents irrelevant
    const a = stHex(hf, i), b = stHex(ef, i);
    if (a === b) continue;
    if (g.op.approx) {
      const d = key(hf, i) - key(ef, i);
      if ((d === 1n || d === -1n) && (w(hf, 40 + 16 * i) & 0x7fff) !== 0x7fff) continue;
      // Silicon's reduction modulo pi/2 uses a finite pi: results below 1/16 or above 16 from a
      // reduced argument (|x| >= 1/2, near a multiple of pi/2) carry its error, not ours.
      const argExp = g.regs[0].se & 0x7fff, resExp = w(hf, 40 + 16 * i) & 0x7fff;
      if (TRIG.has(g.op.name) && argExp >= 0x3ffe && (resExp < 0x3fff - 4 || resExp > 0x3fff + 4)) continue;
    }
    out.push(`st${i} host ${a} emu ${b}`);
  }
  if ((h.eflags & 0x8d5) !== (e.eflags & 0x8d5)) out.push(`eflags host ${h.eflags.toString(16)} emu ${e.eflags.toString(16)}`);
  for (let i = 0x100; i < 0x110; i++) if (h.scratch[i] !== e.scratch[i]) { out.push(`mem host ${Buffer.from(h.scratch.subarray(0x100, 0x10a)).toString("hex")} emu ${Buffer.from(e.scratch.subarray(0x100, 0x10a)).toString("hex")}`); break; }
  return out;
}

const TRIG = new Set(["fsin", "fcos", "fsincos", "fptan"]);

function describeGen(g: Gen): string {
  const regs = g.regs.map((r) => `${h16(r.se)}:${r.m.toString(16).padStart(16, "0")}`).join(" ");
  return `${g.op.name} cw=${h16(g.cw)} st=[${regs}] mem=${Buffer.from(g.mem).toString("hex")} eflags=${g.eflags.toString(16)}`;
}

function runOps(ops: Op[], perOp: number, valArb: fc.Arbitrary<Val>, seedOffset: number): string[] {
  const gens: Gen[] = [];
  ops.forEach((op, i) => gens.push(...fc.sample(genFor(op, valArb), { numRuns: perOp * RUN_SCALE, seed: SEED + seedOffset + i })));
  const host = runOnHost(gens.map(toCase));
  const failures: string[] = [];
  gens.forEach((g, i) => {
    const d = diff(g, host[i], runOnEmu(toCase(g)));
    if (d.length) failures.push(`${describeGen(g)}\n    ${d.join("\n    ")}`);
  });
  return failures;
}

describe("x87 vs host CPU", () => {
  it("exact operations (arithmetic, compares, loads, stores, FPREM, FSCALE...) match silicon bit for bit", () => {
    const failures = runOps(EXACT_OPS, 60, valOrOdd, 0);
    if (failures.length) console.log(`${failures.length} mismatches:\n${failures.slice(0, 40).join("\n")}`);
    expect(failures.length).toBe(0);
  }, 300_000);
  it("transcendentals are within 1 ulp of silicon with matching condition codes and flags", () => {
    const moderate = fc.record({ s: fc.boolean(), e: expNear(0x3fff - 20, 22), m: normMant }).map(({ s, e, m }) => ({ se: (s ? 0x8000 : 0) | e, m }));
    const failures = runOps(APPROX_OPS, 150, fc.oneof({ weight: 8, arbitrary: moderate }, { weight: 1, arbitrary: val }), 1000);
    if (failures.length) console.log(`${failures.length} mismatches:\n${failures.slice(0, 40).join("\n")}`);
    expect(failures.length).toBe(0);
  }, 300_000);
});
