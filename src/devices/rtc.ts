// Motorola MC146818A real-time clock with 128 bytes of CMOS RAM, as in the PC/AT: port 0x70
// selects the register (bit 7 = NMI disable, write-only), port 0x71 reads/writes it. IRQ 8.
//
// Registers (MC146818A datasheet, "Address Map"):
//   0 seconds  1 seconds alarm  2 minutes  3 minutes alarm  4 hours  5 hours alarm
//   6 day of week (1 = Sunday)  7 date  8 month  9 year (00-99)
//   A | UIP DV2 DV1 DV0 RS3 RS2 RS1 RS0 |   UIP read-only; DV=010: 32.768 kHz, 11x: divider reset
//   B | SET PIE AIE UIE SQWE DM 24/12 DSE | DM=1 binary, 0 BCD; 24/12=1 24-hour mode
//   C | IRQF PF AF UF 0 0 0 0 |               read-only, cleared by reading
//   D | VRT 0 0 0 0 0 0 0 |                   read-only, VRT=1 (battery good)
//   0x0E-0x7F: RAM (the PC BIOS's CMOS layout; 0x32 = century in BCD by IBM convention)
//
// While the clock updates (DV=010, SET=0) the time of day is held as calendar seconds since 1970
// (`seconds`) valid from `anchorNs`, a second boundary of the divider chain, and the time
// registers are rendered from it on read, so the clock advances with guest time without a
// timer. While it does not (SET=1 or divider not running) the time registers are plain bytes in
// `cmos` exactly as written; when updates resume they are parsed in the then-current DM and
// 24/12 format (so, as on the chip, changing the format does not convert the stored values).
// Flags PF/UF/AF are accounted lazily up to the current time; a timer exists only while an
// enabled interrupt could assert IRQ 8.
// Simplifications: the update cycle is instantaneous at the end of the 244 µs UIP window
// (registers never read mid-update); out-of-range dates are normalized when updates resume
// (31 April counts on as 1 May); a time register written while updating is re-parsed at once.

import { civilFromDays, daysFromCivil, weekday } from "./calendar.js";
import { Clock, nsOfTick, ticksAt, type Timer } from "./clock.js";
import { Reporter, type Device, type DeviceState } from "./device.js";
import type { IrqLine } from "./irq.js";

export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DATE = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
export const CMOS_CENTURY = 0x32;

export const REG_A_UIP = 0x80;
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_DM = 0x04;
export const REG_B_24H = 0x02;
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;

const NS_PER_S = 1e9;
const TIME_REGISTERS = [RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK, RTC_DATE, RTC_MONTH, RTC_YEAR];
const XTAL_HZ = 32768;
/** UIP rises 244 µs (8 cycles of 32.768 kHz) before each update (datasheet Table 6: tBUC). */
const UIP_NS = (8 * NS_PER_S) / XTAL_HZ;
/** Divider released from reset: the first update comes half a second later. */
const FIRST_UPDATE_NS = NS_PER_S / 2;

/** Periodic interrupt period in 32.768 kHz cycles for RS3-RS0 (0 = none); rates 1 and 2 equal 8 and 9. */
export function periodicCycles(rs: number): number {
  if (rs === 0) return 0;
  if (rs <= 2) return 1 << (rs + 6);
  return 1 << (rs - 1);
}

function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0xf);
}

export interface RtcOptions {
  /** Time of day at guest time 0, as seconds since 1970-01-01 UTC (from the recorded Environment). */
  epochSeconds: number;
  reporter?: Reporter;
}

export class Rtc implements Device {
  readonly cmos = new Uint8Array(128);
  index = 0;
  nmiDisabled = false;
  /** Calendar seconds since 1970 at `anchorNs` (while updating) or frozen (while not). */
  seconds: number;
  anchorNs = 0;
  /** The divider chain's origin: periodic edges fall on its 32.768 kHz grid. */
  dividerOriginNs = 0;
  /** Added to the computed day of week (the chip counts whatever day the guest wrote). */
  dowOffset = 0;
  /** PF, AF, UF as in register C (IRQF is derived). */
  flags = 0;
  /** Flags are accounted for up to this time. */
  accountedNs = 0;
  private readonly timer: Timer;
  private readonly reporter: Reporter;

  constructor(
    private readonly clock: Clock,
    private readonly irq8: IrqLine,
    options: RtcOptions,
  ) {
    this.reporter = options.reporter ?? new Reporter(() => {});
    this.seconds = Math.floor(options.epochSeconds);
    // Registers as a PC BIOS leaves them: 32.768 kHz, 1024 Hz rate, 24-hour BCD, battery good.
    this.cmos[RTC_REG_A] = 0x26;
    this.cmos[RTC_REG_B] = REG_B_24H;
    this.cmos[RTC_REG_D] = 0x80;
    const year = civilFromDays(Math.floor(this.seconds / 86400)).year;
    this.cmos[CMOS_CENTURY] = toBcd(Math.floor(year / 100) % 100);
    this.timer = clock.createTimer("rtc", (atNs) => this.timerFired(atNs));
  }

  // ---- time base ----

  private dividerRunning(): boolean {
    return (this.cmos[RTC_REG_A] & 0x70) === 0x20;
  }

  private updating(): boolean {
    return this.dividerRunning() && !(this.cmos[RTC_REG_B] & REG_B_SET);
  }

  /** Number of updates (second boundaries) between `anchorNs` and `ns`. */
  private updatesAt(ns: number): number {
    return Math.floor((ns - this.anchorNs) / NS_PER_S);
  }

  /** The time of day (calendar seconds) at guest time `ns` while updating. */
  secondsAt(ns: number): number {
    return this.seconds + Math.max(0, this.updatesAt(ns));
  }

  /** Updates stop (SET or divider reset): the time registers become plain bytes. */
  private freeze(now: number): void {
    const s = this.secondsAt(now);
    for (const reg of TIME_REGISTERS) this.cmos[reg] = this.timeRegister(reg, s);
  }

  /** Updates resume: parse the time registers, keep the divider's second phase. */
  private resume(now: number): void {
    this.parseTimeRegisters();
    this.anchorNs = now - ((((now - this.anchorNs) % NS_PER_S) + NS_PER_S) % NS_PER_S);
  }

  private parseTimeRegisters(): void {
    const c = this.cmos;
    const century = c[CMOS_CENTURY] >> 4 <= 9 && (c[CMOS_CENTURY] & 0xf) <= 9 ? fromBcd(c[CMOS_CENTURY]) : 20;
    const year = century * 100 + (this.decode(c[RTC_YEAR]) % 100);
    const days = daysFromCivil(year, this.decode(c[RTC_MONTH]), this.decode(c[RTC_DATE]));
    this.seconds = days * 86400 + this.decodeHours(c[RTC_HOURS]) * 3600 + this.decode(c[RTC_MINUTES]) * 60 + this.decode(c[RTC_SECONDS]);
    const days2 = Math.floor(this.seconds / 86400);
    this.dowOffset = (((this.decode(c[RTC_DAY_OF_WEEK]) - 1 - weekday(days2)) % 7) + 7) % 7;
  }

  /** Sets PF, UF and AF for everything that happened in (accountedNs, ns]. */
  private account(ns: number): void {
    const from = this.accountedNs;
    if (ns <= from) return;
    this.accountedNs = ns;
    const rs = this.cmos[RTC_REG_A] & 0x0f;
    if (this.dividerRunning() && rs) {
      const pc = periodicCycles(rs);
      const before = Math.floor(ticksAt(from - this.dividerOriginNs, XTAL_HZ) / pc);
      const after = Math.floor(ticksAt(ns - this.dividerOriginNs, XTAL_HZ) / pc);
      if (after > before) this.flags |= REG_C_PF;
    }
    if (this.updating()) {
      const q0 = this.updatesAt(from);
      const q1 = this.updatesAt(ns);
      if (q1 > q0) {
        this.flags |= REG_C_UF;
        for (let q = Math.max(q0, q1 - 86400) + 1; q <= q1; q++) {
          if (this.alarmMatches(this.seconds + q)) {
            this.flags |= REG_C_AF;
            break;
          }
        }
      }
    }
  }

  private irqf(): number {
    const b = this.cmos[RTC_REG_B];
    return this.flags & ((b & REG_B_PIE ? REG_C_PF : 0) | (b & REG_B_AIE ? REG_C_AF : 0) | (b & REG_B_UIE ? REG_C_UF : 0));
  }

  /** Drives IRQ 8 from IRQF and arms the timer for the next event that could set it. */
  private refresh(now: number): void {
    if (this.irqf()) {
      this.irq8.raise();
      this.clock.cancel(this.timer);
      return;
    }
    const b = this.cmos[RTC_REG_B];
    let next = Infinity;
    const rs = this.cmos[RTC_REG_A] & 0x0f;
    if (b & REG_B_PIE && rs && this.dividerRunning()) {
      const pc = periodicCycles(rs);
      const edge = (Math.floor(ticksAt(now - this.dividerOriginNs, XTAL_HZ) / pc) + 1) * pc;
      next = this.dividerOriginNs + nsOfTick(edge, XTAL_HZ);
    }
    if (b & (REG_B_UIE | REG_B_AIE) && this.updating()) {
      next = Math.min(next, this.anchorNs + (this.updatesAt(now) + 1) * NS_PER_S);
    }
    if (next === Infinity) this.clock.cancel(this.timer);
    else this.clock.schedule(this.timer, next);
  }

  private timerFired(atNs: number): void {
    this.account(atNs);
    this.refresh(atNs);
  }

  // ---- register rendering ----

  private encode(v: number): number {
    return this.cmos[RTC_REG_B] & REG_B_DM ? v : toBcd(v);
  }

  private decode(v: number): number {
    return this.cmos[RTC_REG_B] & REG_B_DM ? v : fromBcd(v);
  }

  private encodeHours(h: number): number {
    if (this.cmos[RTC_REG_B] & REG_B_24H) return this.encode(h);
    return this.encode(h % 12 || 12) | (h >= 12 ? 0x80 : 0);
  }

  private decodeHours(v: number): number {
    if (this.cmos[RTC_REG_B] & REG_B_24H) return this.decode(v);
    return (this.decode(v & 0x7f) % 12) + (v & 0x80 ? 12 : 0);
  }

  /** Register `reg` (0-9) as the guest reads it for time of day `s`. */
  private timeRegister(reg: number, s: number): number {
    const days = Math.floor(s / 86400);
    const sod = s - days * 86400;
    switch (reg) {
      case RTC_SECONDS:
        return this.encode(sod % 60);
      case RTC_MINUTES:
        return this.encode(Math.floor(sod / 60) % 60);
      case RTC_HOURS:
        return this.encodeHours(Math.floor(sod / 3600));
      case RTC_DAY_OF_WEEK:
        return this.encode(((weekday(days) + this.dowOffset) % 7) + 1);
      case RTC_DATE:
        return this.encode(civilFromDays(days).day);
      case RTC_MONTH:
        return this.encode(civilFromDays(days).month);
      default: // RTC_YEAR
        return this.encode(civilFromDays(days).year % 100);
    }
  }

  private alarmMatches(s: number): boolean {
    const c = this.cmos;
    return (
      (c[RTC_SECONDS_ALARM] >= 0xc0 || c[RTC_SECONDS_ALARM] === this.timeRegister(RTC_SECONDS, s)) &&
      (c[RTC_MINUTES_ALARM] >= 0xc0 || c[RTC_MINUTES_ALARM] === this.timeRegister(RTC_MINUTES, s)) &&
      (c[RTC_HOURS_ALARM] >= 0xc0 || c[RTC_HOURS_ALARM] === this.timeRegister(RTC_HOURS, s))
    );
  }

  private writeTimeRegister(reg: number, v: number, now: number): void {
    if (!this.updating()) {
      this.cmos[reg] = v;
      return;
    }
    this.freeze(now);
    this.cmos[reg] = v;
    this.parseTimeRegisters();
    this.anchorNs = this.anchorNs + Math.max(0, this.updatesAt(now)) * NS_PER_S;
  }

  // ---- bus windows ----

  /** Port 0x70 (offset 0) and 0x71 (offset 1). */
  read(offset: number): number {
    if (!(offset & 1)) {
      this.reporter.once("rtc-read-70", "MC146818: read of the write-only index port 0x70");
      return 0xff;
    }
    const now = this.clock.nowNs();
    const reg = this.index;
    if (reg <= RTC_YEAR && reg !== RTC_SECONDS_ALARM && reg !== RTC_MINUTES_ALARM && reg !== RTC_HOURS_ALARM)
      return this.updating() ? this.timeRegister(reg, this.secondsAt(now)) : this.cmos[reg];
    switch (reg) {
      case RTC_REG_A: {
        let uip = 0;
        if (this.updating()) {
          const intoSecond = (((now - this.anchorNs) % NS_PER_S) + NS_PER_S) % NS_PER_S;
          if (intoSecond >= NS_PER_S - UIP_NS) uip = REG_A_UIP;
        }
        return (this.cmos[RTC_REG_A] & 0x7f) | uip;
      }
      case RTC_REG_C: {
        this.account(now);
        const v = this.flags | (this.irqf() ? REG_C_IRQF : 0);
        this.flags = 0;
        this.irq8.lower();
        this.refresh(now);
        return v;
      }
      case RTC_REG_D:
        return 0x80;
      default:
        return this.cmos[reg];
    }
  }

  write(offset: number, _size: number, value: number): void {
    value &= 0xff;
    if (!(offset & 1)) {
      this.index = value & 0x7f;
      this.nmiDisabled = (value & 0x80) !== 0;
      return;
    }
    const now = this.clock.nowNs();
    const reg = this.index;
    switch (reg) {
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_DAY_OF_WEEK:
      case RTC_DATE:
      case RTC_MONTH:
      case RTC_YEAR:
        this.account(now);
        this.writeTimeRegister(reg, value, now);
        this.refresh(now);
        return;
      case RTC_REG_A:
        this.writeRegA(value, now);
        return;
      case RTC_REG_B:
        this.writeRegB(value, now);
        return;
      case RTC_REG_C:
      case RTC_REG_D:
        return; // read-only
      default:
        this.cmos[reg] = value;
    }
  }

  private writeRegA(v: number, now: number): void {
    this.account(now);
    const wasRunning = this.dividerRunning();
    const wasUpdating = this.updating();
    if (wasUpdating) this.freeze(now);
    this.cmos[RTC_REG_A] = v & 0x7f;
    const dv = (v >> 4) & 7;
    if (dv !== 2 && (dv & 6) !== 6) this.reporter.once(`rtc-dv-${dv}`, `MC146818: divider DV=${dv} (not the 32.768 kHz time base) not modelled; clock stopped`);
    if (this.dividerRunning() && !wasRunning) {
      // Released from reset: the periodic grid restarts, the first update is 0.5 s later.
      this.dividerOriginNs = now;
      this.anchorNs = now + FIRST_UPDATE_NS - NS_PER_S;
      if (this.updating()) this.parseTimeRegisters();
    } else if (this.updating()) this.resume(now);
    this.refresh(now);
  }

  private writeRegB(v: number, now: number): void {
    this.account(now);
    const wasUpdating = this.updating();
    if (wasUpdating) this.freeze(now);
    // SET=1 also clears UIE (datasheet, register B "UIE").
    if (v & REG_B_SET) v &= ~REG_B_UIE;
    this.cmos[RTC_REG_B] = v;
    if (this.updating()) this.resume(now);
    if (this.cmos[RTC_REG_B] & 0x08) this.reporter.once("rtc-sqwe", "MC146818: square-wave output (SQWE) has no pin on the PC; ignored");
    if (this.cmos[RTC_REG_B] & 0x01) this.reporter.once("rtc-dse", "MC146818: daylight saving enable (DSE) not modelled");
    this.refresh(now);
  }

  save(): DeviceState {
    return {
      cmos: this.cmos.slice(),
      index: this.index,
      nmiDisabled: this.nmiDisabled,
      seconds: this.seconds,
      anchorNs: this.anchorNs,
      dividerOriginNs: this.dividerOriginNs,
      dowOffset: this.dowOffset,
      flags: this.flags,
      accountedNs: this.accountedNs,
      timerAtNs: this.timer.atNs,
    };
  }

  restore(s: DeviceState): void {
    this.cmos.set(s.cmos as Uint8Array);
    this.index = s.index as number;
    this.nmiDisabled = s.nmiDisabled as boolean;
    this.seconds = s.seconds as number;
    this.anchorNs = s.anchorNs as number;
    this.dividerOriginNs = s.dividerOriginNs as number;
    this.dowOffset = s.dowOffset as number;
    this.flags = s.flags as number;
    this.accountedNs = s.accountedNs as number;
    const at = s.timerAtNs as number;
    if (at >= 0) this.clock.schedule(this.timer, at);
    else this.clock.cancel(this.timer);
  }
}

/**
 * Fills the BIOS memory-size bytes from the RAM size (IBM PC/AT CMOS layout):
 * 0x15/0x16 base memory KB (640), 0x17/0x18 and 0x30/0x31 KB above 1 MB (max 0xFFFF),
 * 0x34/0x35 64 KB blocks above 16 MB (max 0xFFFF); then the 0x2E/0x2F checksum of 0x10-0x2D.
 */
export function setCmosMemorySize(cmos: Uint8Array, ramBytes: number): void {
  const MB = 1024 * 1024;
  const baseKb = Math.min(640, Math.floor(ramBytes / 1024));
  const extKb = Math.min(0xffff, Math.max(0, Math.floor((ramBytes - MB) / 1024)));
  const above16 = Math.min(0xffff, Math.max(0, Math.floor((ramBytes - 16 * MB) / 65536)));
  cmos[0x15] = baseKb & 0xff;
  cmos[0x16] = baseKb >> 8;
  cmos[0x17] = extKb & 0xff;
  cmos[0x18] = extKb >> 8;
  cmos[0x30] = extKb & 0xff;
  cmos[0x31] = extKb >> 8;
  cmos[0x34] = above16 & 0xff;
  cmos[0x35] = above16 >> 8;
  let sum = 0;
  for (let i = 0x10; i <= 0x2d; i++) sum += cmos[i];
  cmos[0x2e] = (sum >> 8) & 0xff;
  cmos[0x2f] = sum & 0xff;
}
