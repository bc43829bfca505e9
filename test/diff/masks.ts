// Undefined results per instruction: the flags (and the rare register results) the Intel SDM
// Vol.2 leaves undefined. The host is an AMD processor; Intel and AMD differ exactly here, so
// these bits are excluded from the comparison — and nothing else is. Each entry names the SDM
// Vol.2 instruction page whose "Flags Affected" section states it.
//
// Bit-exact results both vendors share although the SDM calls them undefined are compared on
// purpose: BSF/BSR with a zero source leave the destination unchanged (SDM Vol.2 BSF/BSR say
// "undefined"; AMD APM Vol.3 documents "unchanged", and Intel processors behave the same).

export const CF = 0x001, PF = 0x004, AF = 0x010, ZF = 0x040, SF = 0x080, DF = 0x400, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** The EFLAGS bits a difference is looked for in (the host runner loads exactly these). */
export const COMPARED = ARITH | DF;

/** Flags left undefined by one instruction, given what the generator knows of its operands. */
export const UNDEF = {
  /** AND, OR, XOR, TEST (SDM Vol.2 "AND", "OR", "XOR", "TEST"): AF undefined. */
  logic: AF,
  /** MUL, IMUL all forms (SDM Vol.2 "MUL", "IMUL"): SF ZF AF PF undefined. */
  mul: SF | ZF | AF | PF,
  /** DIV, IDIV (SDM Vol.2 "DIV", "IDIV"): CF OF SF ZF AF PF undefined. */
  div: ARITH,
  /** AAA, AAS (SDM Vol.2 "AAA", "AAS"): OF SF ZF PF undefined. */
  aaa: OF | SF | ZF | PF,
  /** DAA, DAS (SDM Vol.2 "DAA", "DAS"): OF undefined. */
  daa: OF,
  /** AAM, AAD (SDM Vol.2 "AAM", "AAD"): OF AF CF undefined. */
  aam: OF | AF | CF,
  /** BT, BTS, BTR, BTC (SDM Vol.2 "BT"...): OF SF AF PF undefined (ZF unaffected, compared). */
  bt: OF | SF | AF | PF,
  /** BSF, BSR (SDM Vol.2 "BSF", "BSR"): CF OF SF AF PF undefined. */
  bsf: CF | OF | SF | AF | PF,
};

/**
 * SAL/SAR/SHL/SHR (SDM Vol.2 "SAL/SAR/SHL/SHR—Shift"): masked count 0 affects nothing; otherwise
 * AF is undefined, OF is undefined unless the count is 1, and CF is undefined for SHL/SHR when
 * the count is at least the operand width.
 */
export function shiftUndef(kind: "shl" | "shr" | "sar", count: number, width: number): number {
  const c = count & 31;
  if (c === 0) return 0;
  let u = AF;
  if (c !== 1) u |= OF;
  if (kind !== "sar" && c >= width) u |= CF;
  return u;
}

/** Flags a shift with this count writes (defined or not): none for a masked count of 0. */
export function shiftWrites(count: number): number {
  return (count & 31) === 0 ? 0 : ARITH;
}

/**
 * ROL/ROR/RCL/RCR (SDM Vol.2 "RCL/RCR/ROL/ROR—Rotate"): OF is undefined unless the masked count
 * is 1; SF ZF AF PF are not affected; a masked count of 0 affects nothing.
 */
export function rotateUndef(count: number): number {
  const c = count & 31;
  return c === 0 || c === 1 ? 0 : OF;
}

/**
 * SHLD/SHRD (SDM Vol.2 "SHLD", "SHRD"): masked count 0 affects nothing; AF undefined; OF undefined
 * unless the count is 1; a count above the operand width (16-bit forms only) makes the
 * destination and all flags undefined — the generators never produce that case.
 */
export function doubleShiftUndef(count: number): number {
  const c = count & 31;
  if (c === 0) return 0;
  return c === 1 ? AF : AF | OF;
}

export function flagNames(bits: number): string {
  const names: Array<[number, string]> = [[OF, "OF"], [DF, "DF"], [SF, "SF"], [ZF, "ZF"], [AF, "AF"], [PF, "PF"], [CF, "CF"]];
  return names.filter(([b]) => bits & b).map(([, n]) => n).join(" ") || "-";
}
