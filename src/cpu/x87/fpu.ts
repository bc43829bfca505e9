// x87 FPU state (SDM Vol.1 8.1). The register stack holds 80-bit values as (sign/exponent, mantissa)
// so every format round-trips exactly; arithmetic lives in the other files of this folder.

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
  /** Full tag word, two bits per physical register (00 valid, 01 zero, 10 special, 11 empty). */
  tw = 0xffff;
  /** Last instruction/operand pointers (FSTENV/FSAVE): FIP, FCS, FDP, FDS, opcode. */
  fip = 0; fcs = 0; fdp = 0; fds = 0; fop = 0;

  reset(): void {
    this.cw = 0x037f; this.sw = 0; this.top = 0; this.tw = 0xffff;
    this.fip = 0; this.fcs = 0; this.fdp = 0; this.fds = 0; this.fop = 0;
    this.mantLo.fill(0); this.mantHi.fill(0); this.signExp.fill(0);
  }
}
