// ACPI fixed-hardware power management registers (ACPI 6.4 §4.8.3), the part of a PIIX4-style
// PM function an OS needs to power the machine off and keep time: the PM1a event block
// (PM1_STS / PM1_EN), the PM1a control block (SCI_EN, SLP_TYP, SLP_EN) and the 24-bit PM timer
// at 3.579545 MHz. The FADT (acpi-tables.ts) tells the guest where these ports are.
//
//   base+0  PM1_STS  16 bits, write 1 to clear: 0 TMR_STS 5 GBL_STS 8 PWRBTN_STS 10 RTC_STS 15 WAK_STS
//   base+2  PM1_EN   16 bits: 0 TMR_EN 5 GBL_EN 8 PWRBTN_EN 10 RTC_EN
//   base+4  PM1_CNT  16 bits: 0 SCI_EN 1 BM_RLD 2 GBL_RLS, 12:10 SLP_TYP, 13 SLP_EN (write-only)
//   base+8  PM_TMR   32 bits, read-only; bits 23:0 count, bits 31:24 read 0 (TMR_VAL_EXT = 0)
//
// SLP_EN with SLP_TYP = 0 is soft-off (S5, the \_S5 package in the DSDT says 0); other sleep
// states are not modelled and are reported. SMI_CMD is 0 in the FADT, so the machine is always
// in ACPI mode and SCI_EN reads 1 from reset. The SCI is ISA IRQ 9, level-triggered.

import { ticksAt, nsOfTick, type Clock, type Timer } from "./clock.js";
import type { DeviceState, Reporter, Device } from "./device.js";
import type { IrqLine } from "./irq.js";

export const ACPI_PM_BASE = 0x600;
export const ACPI_PM_SIZE = 12;
export const ACPI_PM_TIMER_HZ = 3_579_545;
/** SLP_TYP value of S5 (soft off) in this machine's \_S5 object. */
export const ACPI_SLP_TYP_S5 = 0;

const enum Pm1 {
  TMR = 1 << 0, GBL = 1 << 5, PWRBTN = 1 << 8, SLPBTN = 1 << 9, RTC = 1 << 10, WAK = 1 << 15,
  SCI_EN = 1 << 0, BM_RLD = 1 << 1, GBL_RLS = 1 << 2, SLP_EN = 1 << 13,
}
/** Status bits that exist here (others read 0). */
const STS_MASK = Pm1.TMR | Pm1.GBL | Pm1.PWRBTN | Pm1.SLPBTN | Pm1.RTC | Pm1.WAK;
const EN_MASK = Pm1.TMR | Pm1.GBL | Pm1.PWRBTN | Pm1.RTC;
/** TMR_STS is set whenever bit 23 of the timer changes (ACPI §4.8.3.3). */
const TMR_CARRY = 1 << 23;

export interface AcpiPmOptions {
  clock: Clock;
  sci: IrqLine;
  reporter: Reporter;
  /** The guest wrote SLP_EN with the S5 sleep type. */
  onPowerOff: () => void;
}

export class AcpiPm implements Device {
  readonly wide = true;
  private sts = 0;
  private en = 0;
  private cnt = Pm1.SCI_EN;
  /** Timer count (in 2^23 periods) at which TMR_STS was last known clear. */
  private tmrEpoch = 0;
  private readonly timer: Timer;

  constructor(private readonly o: AcpiPmOptions) {
    this.timer = o.clock.createTimer("acpi.pmtimer", () => this.updateSci());
  }

  private ticks(): number {
    return ticksAt(this.o.clock.nowNs(), ACPI_PM_TIMER_HZ);
  }

  /** PM1_STS including a TMR_STS derived from the timer (no per-tick work). */
  private status(): number {
    const s = this.sts;
    return Math.floor(this.ticks() / TMR_CARRY) !== this.tmrEpoch ? s | Pm1.TMR : s;
  }

  private updateSci(): void {
    const pending = (this.status() & this.en & EN_MASK) !== 0 && (this.cnt & Pm1.SCI_EN) !== 0;
    this.o.sci.set(pending);
    // With TMR_EN set and TMR_STS clear, wake at the next carry of bit 23.
    if ((this.en & Pm1.TMR) && !(this.status() & Pm1.TMR)) {
      this.o.clock.schedule(this.timer, nsOfTick((this.tmrEpoch + 1) * TMR_CARRY, ACPI_PM_TIMER_HZ));
    } else this.o.clock.cancel(this.timer);
  }

  read(offset: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | this.byteAt(offset + i);
    return v >>> 0;
  }

  /** One byte of the register file, little-endian; PM_TMR bits 31:24 and the gap at 6-7 read 0. */
  private byteAt(off: number): number {
    if (off >= 8) return off === 11 ? 0 : (this.ticks() >>> ((off - 8) * 8)) & 0xff;
    const word = off < 2 ? this.status() : off < 4 ? this.en : off < 6 ? this.cnt : 0;
    return (word >>> ((off & 1) * 8)) & 0xff;
  }

  write(offset: number, size: number, value: number): void {
    let stsClear = 0, en = this.en, cnt = this.cnt, cntWritten = false;
    for (let i = 0; i < size; i++) {
      const off = offset + i, b = (value >>> (i * 8)) & 0xff, sh = (off & 1) * 8;
      if (off < 2) stsClear |= b << sh;
      else if (off < 4) en = (en & ~(0xff << sh)) | (b << sh);
      else if (off < 6) { cnt = (cnt & ~(0xff << sh)) | (b << sh); cntWritten = true; }
      else if (off >= 8) this.o.reporter.once("acpi.tmr.write", "PM_TMR is read-only; write ignored");
    }
    if (stsClear) this.writeSts(stsClear);
    this.en = en & EN_MASK;
    if (cntWritten) this.writeCnt(cnt);
    this.updateSci();
  }

  private writeSts(w: number): void {
    if (w & Pm1.TMR) this.tmrEpoch = Math.floor(this.ticks() / TMR_CARRY);
    this.sts &= ~(w & STS_MASK);
  }

  private writeCnt(w: number): void {
    this.cnt = w & (Pm1.SCI_EN | Pm1.BM_RLD | Pm1.GBL_RLS | (7 << 10));
    if (w & Pm1.SLP_EN) {
      const typ = (w >>> 10) & 7;
      if (typ === ACPI_SLP_TYP_S5) this.o.onPowerOff();
      else this.o.reporter.once(`acpi.slp.${typ}`, `ACPI sleep type ${typ} (SLP_EN) is not modelled; only S5 (SLP_TYP ${ACPI_SLP_TYP_S5}) powers off`);
    }
  }

  save(): DeviceState {
    return { sts: this.sts, en: this.en, cnt: this.cnt, tmrEpoch: this.tmrEpoch, timerAtNs: this.timer.atNs };
  }

  restore(s: DeviceState): void {
    this.sts = s.sts as number;
    this.en = s.en as number;
    this.cnt = s.cnt as number;
    this.tmrEpoch = s.tmrEpoch as number;
    const at = s.timerAtNs as number;
    if (at >= 0) this.o.clock.schedule(this.timer, at);
    else this.o.clock.cancel(this.timer);
  }
}
