// x87 FPU state (SDM Vol.1 8.1). The register stack holds 80-bit values as sign/exponent word and
// a 64-bit significand in two int32 halves, so every format round-trips exactly; arithmetic lives
// in the other files of this folder.
//
// Status word (SDM Vol.1 Figure 8-4): 0 IE 1 DE 2 ZE 3 OE 4 UE 5 PE 6 SF 7 ES 8 C0 9 C1 10 C2
// 11-13 TOP 14 C3 15 B. Control word (Figure 8-6): 0-5 exception masks, 8-9 PC, 10-11 RC, 12 X.

export const SW_SF = 0x40, SW_ES = 0x80, SW_C0 = 0x100, SW_C1 = 0x200, SW_C2 = 0x400, SW_C3 = 0x4000, SW_B = 0x8000;
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

export class Fpu {
  /** Physical registers R0..R7: bits 0..63 of the significand, as two uint32 halves. */
  readonly mantLo = new Int32Array(8);
  readonly mantHi = new Int32Array(8);
  /** Sign (bit 15) and biased exponent (bits 0..14) of R0..R7. */
  readonly signExp = new Uint16Array(8);
  /** Control word; FINIT value 0x037f. */
  cw = 0x037f;
  /** Status word without TOP (TOP is kept in `top`). */
  sw = 0;
  top = 0;
  /**
   * Abridged tag (the FXSAVE form): bit i set = physical register Ri is not empty. The full tag
   * word FSTENV/FSAVE store is computed from the register contents, as P6-family processors do.
   */
  ftw = 0;
  /** Last instruction/operand pointers (SDM Vol.1 8.1.8, 8.1.9): FIP, FCS, FDP, FDS, FOP. */
  fip = 0; fcs = 0; fdp = 0; fds = 0; fop = 0;

  /** FNINIT state (SDM Vol.1 Table 8-1); register contents are left as they are. */
  init(): void {
    this.cw = 0x037f; this.sw = 0; this.top = 0; this.ftw = 0;
    this.fip = 0; this.fcs = 0; this.fdp = 0; this.fds = 0; this.fop = 0;
  }

  /** Power-on state: FNINIT plus cleared registers. */
  reset(): void {
    this.init();
    this.mantLo.fill(0); this.mantHi.fill(0); this.signExp.fill(0);
  }

  /** Physical register index of ST(i). */
  phys(i: number): number {
    return (this.top + i) & 7;
  }

  isEmpty(i: number): boolean {
    return (this.ftw & (1 << ((this.top + i) & 7))) === 0;
  }

  /** Writes ST(i) and tags it non-empty. */
  set(i: number, se: number, hi: number, lo: number): void {
    const r = (this.top + i) & 7;
    this.signExp[r] = se; this.mantHi[r] = hi; this.mantLo[r] = lo;
    this.ftw |= 1 << r;
  }

  /** Decrements TOP and writes the new ST(0). */
  push(se: number, hi: number, lo: number): void {
    this.top = (this.top - 1) & 7;
    this.set(0, se, hi, lo);
  }

  /** Tags ST(0) empty and increments TOP. */
  pop(): void {
    this.ftw &= ~(1 << this.top);
    this.top = (this.top + 1) & 7;
  }

  /** The status word as FNSTSW stores it (TOP merged in). */
  status(): number {
    return (this.sw & ~0x3800) | (this.top << 11);
  }

  /** Loads a status word image (FLDENV/FRSTOR/FXRSTOR): TOP from bits 11-13. */
  setStatus(v: number): void {
    this.top = (v >> 11) & 7;
    this.sw = v & ~0x3800 & 0xffff;
  }

  /** The 2-bit tag of physical register r (00 valid, 01 zero, 10 special, 11 empty; SDM Vol.1 8.1.7). */
  tagOf(r: number): number {
    if ((this.ftw & (1 << r)) === 0) return 3;
    const exp = this.signExp[r] & 0x7fff, hi = this.mantHi[r], lo = this.mantLo[r];
    if (exp === 0x7fff) return 2;
    if (exp === 0) return hi === 0 && lo === 0 ? 1 : 2;
    return hi < 0 ? 0 : 2;
  }

  /** Full tag word computed from the register contents. */
  tagWord(): number {
    let tw = 0;
    for (let r = 0; r < 8; r++) tw |= this.tagOf(r) << (2 * r);
    return tw;
  }

  /** After the control or status word changed wholesale: ES and B mirror the unmasked exception flags. */
  recomputeES(): void {
    if (this.sw & ~this.cw & 0x3f) this.sw |= SW_ES | SW_B;
    else this.sw &= ~(SW_ES | SW_B);
  }
}
