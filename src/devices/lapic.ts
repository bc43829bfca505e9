// Local APIC in xAPIC mode (SDM Vol.3 ch.11), the one of the single CPU: 4 KiB of registers at
// 0xFEE00000 on the MMIO bus, the IA32_APIC_BASE MSR, the timer, and the interrupt acceptance
// logic the CPU asks at instruction boundaries.
//
// Register map (SDM Vol.3 Table 11-1; 32-bit accesses at 16-byte aligned offsets):
//   020 ID (31:24)    030 version (RO)     080 TPR           090 APR (RO)      0A0 PPR (RO)
//   0B0 EOI (WO)      0D0 LDR (31:24)      0E0 DFR (31:28)   0F0 SVR
//   100-170 ISR (RO)  180-1F0 TMR (RO)     200-270 IRR (RO)  280 ESR (write to update)
//   300 ICR low       310 ICR high (31:24) 320 LVT timer     330 LVT thermal   340 LVT perf
//   350 LVT LINT0     360 LVT LINT1        370 LVT error     380 initial count 390 current count
//   3E0 divide configuration
// LVT entry: | 18:17 timer mode | 16 mask | 15 trigger | 14 remote IRR | 13 polarity |
//            | 12 delivery status | 10:8 delivery mode | 7:0 vector |
// ICR low:   | 19:18 shorthand | 15 trigger | 14 level | 12 status | 11 dest mode | 10:8 mode | 7:0 vector |
//
// Version: 0x00050014 — integrated xAPIC (0x14, the value Linux's APIC_XAPIC() and the Pentium 4
// report) with Max LVT Entry 5, i.e. the six LVT registers modelled here (timer, thermal, perf,
// LINT0, LINT1, error). Register semantics follow that xAPIC: 8-bit APIC ID, all 8 bits of the
// spurious vector writable, ESR bits 0-3 (APIC-bus checksum/accept errors) never set.
//
// Every delivery is instantaneous: delivery-status bits always read 0 (idle).

import { nsOfTick, ticksAt, type Clock, type Timer } from "./clock.js";
import { Reporter, type Device, type DeviceState } from "./device.js";

/** SDM Vol.3 10.4.1: the default base of the xAPIC register page. */
export const LAPIC_BASE = 0xfee00000;
export const LAPIC_VERSION = 0x00050014;

/** IA32_APIC_BASE bits (SDM Vol.3 Figure 11-5). */
export const enum ApicBase {
  BSP = 1 << 8,
  EN = 1 << 11,
}

/** Local vector table indices, in register order from 0x320. */
export const enum Lvt {
  TIMER = 0, THERMAL = 1, PERF = 2, LINT0 = 3, LINT1 = 4, ERROR = 5,
}

/** Delivery modes (ICR, LVT, IO-APIC redirection entries). */
export const enum DeliveryMode {
  FIXED = 0, LOWEST = 1, SMI = 2, NMI = 4, INIT = 5, STARTUP = 6, EXTINT = 7,
}

/** ESR bits (SDM Vol.3 Figure 11-9). */
export const enum Esr {
  SEND_ILLEGAL_VECTOR = 1 << 5,
  RECEIVE_ILLEGAL_VECTOR = 1 << 6,
  ILLEGAL_REGISTER = 1 << 7,
}

const LVT_MASK = 1 << 16;
const LVT_PERIODIC = 1 << 17;
const SVR_ENABLE = 1 << 8;
/** Writable bits per LVT register. */
const LVT_WRITABLE = [0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff];
const LVT_NAMES = ["timer", "thermal", "perf", "LINT0", "LINT1", "error"];
const MODE_NAMES = ["fixed", "lowest priority", "SMI", "reserved 3", "NMI", "INIT", "start-up", "ExtINT"];

/** The 8259 seen from LINT0 in ExtINT mode: its INTR output and its INTA cycle. */
export interface ExtIntSource {
  interruptPending(): boolean;
  acknowledge(): number;
}

export interface LocalApicOptions {
  clock: Clock;
  /** The 8259 pair: ExtINT on LINT0, and the CPU's only source when the APIC is globally disabled. */
  pic: ExtIntSource;
  reporter?: Reporter;
  /** Timer input clock (the bus clock), Hz. Default 100 MHz. */
  busHz?: number;
  /** Hardware APIC ID. Default 0. */
  id?: number;
  /** An interrupt may now be deliverable: the machine makes the CPU look. */
  onInterrupt?: () => void;
  /** EOI of a level-triggered vector: broadcast to the IO-APIC(s). */
  onEoiBroadcast?: (vector: number) => void;
  /** An NMI reached this CPU (LINT1 or an NMI message). */
  onNmi?: () => void;
}

/** Index (0-255) of the highest set bit of a 256-bit register in 8 words, or -1. */
function highestBit(r: Int32Array): number {
  for (let w = 7; w >= 0; w--) if (r[w] !== 0) return (w << 5) | (31 - Math.clz32(r[w]));
  return -1;
}

export class LocalApic implements Device {
  readonly wide = true;
  readonly busHz: number;
  readonly reporter: Reporter;
  baseLo = LAPIC_BASE | ApicBase.BSP | ApicBase.EN;
  baseHi = 0;
  id = 0;
  tpr = 0;
  ldr = 0;
  dfr = -1;
  svr = 0xff;
  readonly irr = new Int32Array(8);
  readonly isr = new Int32Array(8);
  readonly tmr = new Int32Array(8);
  esr = 0;
  /** Errors detected since the last ESR write (the ESR shows them after the next write). */
  esrPending = 0;
  icrLo = 0;
  icrHi = 0;
  readonly lvt = new Int32Array(6);
  initialCount = 0;
  divideConfig = 0;
  /** Timer: counting since bus tick `startTick` from `startCount`; false once stopped by a 0 initial count. */
  timerRunning = false;
  startTick = 0;
  startCount = 0;
  /** Bus tick of the next timer expiry (when armed). */
  nextTick = 0;
  /** An ExtINT message (IO-APIC pin in ExtINT mode) waits for the 8259's INTA. */
  extIntRequest = false;
  private readonly clock: Clock;
  private readonly pic: ExtIntSource;
  private readonly timer: Timer;
  private readonly onInterrupt: () => void;
  private readonly onEoiBroadcast: (vector: number) => void;
  private readonly onNmi: () => void;
  private readonly hwId: number;

  constructor(o: LocalApicOptions) {
    this.clock = o.clock;
    this.pic = o.pic;
    this.reporter = o.reporter ?? new Reporter(() => {});
    this.busHz = o.busHz ?? 100_000_000;
    this.hwId = o.id ?? 0;
    this.onInterrupt = o.onInterrupt ?? (() => {});
    this.onEoiBroadcast = o.onEoiBroadcast ?? (() => {});
    this.onNmi = o.onNmi ?? (() => this.reporter.once("lapic-nmi", "local APIC: NMI not delivered (the CPU has no NMI input)"));
    this.timer = o.clock.createTimer("lapic timer", (at) => this.timerExpired(at));
    this.resetRegisters();
  }

  /** SDM Vol.3 11.4.7.1: the power-up/reset state of the registers (IA32_APIC_BASE is kept). */
  resetRegisters(): void {
    this.id = this.hwId;
    this.tpr = 0; this.ldr = 0; this.dfr = -1; this.svr = 0xff;
    this.irr.fill(0); this.isr.fill(0); this.tmr.fill(0);
    this.esr = 0; this.esrPending = 0; this.icrLo = 0; this.icrHi = 0;
    this.lvt.fill(LVT_MASK);
    this.initialCount = 0; this.divideConfig = 0; this.timerRunning = false; this.extIntRequest = false;
    this.clock.cancel(this.timer);
  }

  /**
   * What a PC BIOS leaves for the OS (MP spec 1.4 §3.6.2.2, virtual wire mode): APIC software
   * enabled, LINT0 ExtINT (the 8259's INTR passes through), LINT1 NMI.
   */
  virtualWireMode(): void {
    this.svr |= SVR_ENABLE;
    this.lvt[Lvt.LINT0] = DeliveryMode.EXTINT << 8;
    this.lvt[Lvt.LINT1] = DeliveryMode.NMI << 8;
  }

  get globallyEnabled(): boolean {
    return (this.baseLo & ApicBase.EN) !== 0;
  }

  get softwareEnabled(): boolean {
    return (this.svr & SVR_ENABLE) !== 0;
  }

  // ---- IA32_APIC_BASE (MSR 0x1B) ----

  /** RDMSR IA32_APIC_BASE: [lo, hi]. */
  readBaseMsr(): [number, number] {
    return [this.baseLo >>> 0, this.baseHi >>> 0];
  }

  /**
   * WRMSR IA32_APIC_BASE. Returns false (#GP) for reserved bits: 0-7, 9-10 (x2APIC not
   * supported), and above physical-address bit 35. BSP is read-only.
   */
  writeBaseMsr(lo: number, hi: number): boolean {
    if ((lo & 0x6ff) !== 0 || (hi & ~0xf) !== 0) return false;
    const wasEnabled = this.globallyEnabled;
    this.baseLo = (lo & ~ApicBase.BSP) | (this.baseLo & ApicBase.BSP);
    this.baseHi = hi;
    if (((lo & 0xfffff000) >>> 0) !== LAPIC_BASE || hi !== 0)
      this.reporter.once("lapic-relocate", `local APIC: relocation to 0x${(hi >>> 0).toString(16)}_${((lo & 0xfffff000) >>> 0).toString(16)} not modelled; registers stay at 0xfee00000`);
    // SDM 11.4.3: a globally disabled APIC comes back in its power-up state.
    if (wasEnabled && !this.globallyEnabled) this.resetRegisters();
    this.onInterrupt();
    return true;
  }

  // ---- the CPU side: INTR and INTA ----

  /** Is a maskable interrupt waiting for the CPU (APIC IRR above PPR, or the 8259 through ExtINT)? */
  interruptPending(): boolean {
    if (!this.globallyEnabled) return this.pic.interruptPending();
    const v = highestBit(this.irr);
    if (v >= 0 && (v & 0xf0) > (this.ppr() & 0xf0)) return true;
    return this.extIntEnabled() && this.pic.interruptPending();
  }

  /** The INTA cycle: the vector to deliver (SDM 11.8.4: IRR → ISR), the 8259's vector, or the spurious vector. */
  acknowledge(): number {
    if (!this.globallyEnabled) return this.pic.acknowledge();
    const v = highestBit(this.irr);
    if (v >= 0 && (v & 0xf0) > (this.ppr() & 0xf0)) {
      this.irr[v >> 5] &= ~(1 << (v & 31));
      this.isr[v >> 5] |= 1 << (v & 31);
      return v;
    }
    if (this.extIntEnabled() && this.pic.interruptPending()) {
      this.extIntRequest = false;
      return this.pic.acknowledge();
    }
    return this.svr & 0xff; // SDM 11.9: the request went away (TPR raised) before INTA
  }

  private extIntEnabled(): boolean {
    const l = this.lvt[Lvt.LINT0];
    return this.extIntRequest || ((l & LVT_MASK) === 0 && ((l >> 8) & 7) === DeliveryMode.EXTINT);
  }

  /** SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0. */
  ppr(): number {
    const isrv = Math.max(highestBit(this.isr), 0);
    return (this.tpr & 0xf0) >= (isrv & 0xf0) ? this.tpr : isrv & 0xf0;
  }

  /** Arbitration priority (P6/Pentium 4 definition, SDM 11.6.2.4 of older editions). */
  apr(): number {
    const isrv = Math.max(highestBit(this.isr), 0), irrv = Math.max(highestBit(this.irr), 0);
    const t = this.tpr & 0xf0;
    if (t >= (irrv & 0xf0) && t > (isrv & 0xf0)) return this.tpr;
    return Math.max(t, isrv & 0xf0, irrv & 0xf0);
  }

  // ---- acceptance of interrupt messages ----

  /** Does (destination mode, destination) name this APIC? SDM 11.6.2. */
  matchesDestination(logical: boolean, dest: number): boolean {
    dest &= 0xff;
    if (!logical) return dest === 0xff || dest === this.id;
    if (dest === 0xff) return true;
    const ldr = this.ldr >>> 24;
    if ((this.dfr >>> 28) === 0xf) return (ldr & dest) !== 0; // flat model
    return (ldr >> 4) === (dest >> 4) && (ldr & dest & 0xf) !== 0; // cluster model
  }

  /** An interrupt message for this APIC (from the IO-APIC or an IPI). Returns whether it was accepted. */
  deliver(mode: number, vector: number, level: boolean): boolean {
    switch (mode) {
      case DeliveryMode.FIXED:
      case DeliveryMode.LOWEST:
        return this.accept(vector, level);
      case DeliveryMode.NMI:
        this.onNmi();
        return true;
      case DeliveryMode.EXTINT:
        this.extIntRequest = true;
        this.onInterrupt();
        return true;
      default:
        this.reporter.once(`lapic-mode-${mode}`, `local APIC: ${MODE_NAMES[mode & 7]} message to this CPU not modelled; ignored`);
        return false;
    }
  }

  /** A fixed interrupt into the IRR (SDM 11.8.3): TMR records the trigger mode. */
  accept(vector: number, level: boolean): boolean {
    vector &= 0xff;
    if (vector < 16) {
      this.error(Esr.RECEIVE_ILLEGAL_VECTOR);
      return false;
    }
    if (!this.softwareEnabled) return false; // SDM 11.4.7.2: fixed interrupts are not accepted
    const w = vector >> 5, b = 1 << (vector & 31);
    this.irr[w] |= b;
    if (level) this.tmr[w] |= b; else this.tmr[w] &= ~b;
    this.onInterrupt();
    return true;
  }

  private error(bit: number): void {
    this.esrPending |= bit;
    const l = this.lvt[Lvt.ERROR];
    if ((l & LVT_MASK) === 0 && (l & 0xf0) !== 0) this.accept(l & 0xff, false);
  }

  /** SDM 11.8.5: EOI clears the highest ISR bit; a level-triggered vector's EOI goes to the IO-APIC. */
  eoi(): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    const w = v >> 5, b = 1 << (v & 31);
    this.isr[w] &= ~b;
    if (this.tmr[w] & b) this.onEoiBroadcast(v);
    this.onInterrupt();
  }

  // ---- ICR: interprocessor interrupts (SDM 11.6.1) ----

  private sendIpi(): void {
    const lo = this.icrLo;
    const vector = lo & 0xff, mode = (lo >> 8) & 7, level = (lo >> 14) & 1, trigger = (lo >> 15) & 1;
    const shorthand = (lo >> 18) & 3;
    if (mode === DeliveryMode.INIT && level === 0 && trigger === 1) return; // INIT level de-assert: arbitration ID sync only
    if ((mode === DeliveryMode.FIXED || mode === DeliveryMode.LOWEST) && vector < 16) {
      this.error(Esr.SEND_ILLEGAL_VECTOR);
      return;
    }
    // One CPU: "all including self" and the physical broadcast reach only us; a destination
    // that does not name us, or "all excluding self", names CPUs that do not exist.
    const self = shorthand === 1 || shorthand === 2 ||
      (shorthand === 0 && this.matchesDestination((lo & (1 << 11)) !== 0, this.icrHi >>> 24));
    if (!self && shorthand !== 2)
      this.reporter.once(`lapic-ipi-others-${mode}`, `local APIC: ${MODE_NAMES[mode]} IPI (ICR 0x${(this.icrHi >>> 0).toString(16)}_${(lo >>> 0).toString(16)}) names no CPU of this single-CPU machine; dropped`);
    if (self) this.deliver(mode, vector, trigger === 1);
  }

  // ---- timer (SDM 11.5.4) ----

  /** Divide configuration bits 3,1:0 → divisor (SDM Figure 11-10). */
  divisor(): number {
    const d = ((this.divideConfig >> 1) & 4) | (this.divideConfig & 3);
    return d === 7 ? 1 : 2 << d;
  }

  private periodic(): boolean {
    return (this.lvt[Lvt.TIMER] & LVT_PERIODIC) !== 0;
  }

  /** Current count at guest time `ns`. */
  currentCount(ns: number): number {
    if (!this.timerRunning) return 0;
    const e = Math.floor((ticksAt(ns, this.busHz) - this.startTick) / this.divisor());
    if (e < this.startCount) return this.startCount - e;
    if (!this.periodic()) return 0;
    const n = this.initialCount >>> 0;
    return n - ((e - this.startCount) % n);
  }

  /** Starts counting `count` from now (initial-count write, or a divide change mid-count). */
  private startTimer(count: number): void {
    const now = this.clock.nowNs();
    this.startTick = ticksAt(now, this.busHz);
    this.startCount = count;
    this.timerRunning = count > 0 && this.initialCount !== 0;
    this.armTimer(now);
  }

  /** Schedules the first expiry strictly after `now` (earlier ones have fired already), or none. */
  private armTimer(now: number): void {
    if (!this.timerRunning) { this.clock.cancel(this.timer); return; }
    const d = this.divisor();
    const first = this.startTick + this.startCount * d;
    const nowTick = ticksAt(now, this.busHz);
    let next = first;
    if (first <= nowTick) {
      if (!this.periodic()) { this.clock.cancel(this.timer); return; }
      const period = (this.initialCount >>> 0) * d;
      next = first + (Math.floor((nowTick - first) / period) + 1) * period;
    }
    this.nextTick = next;
    this.clock.schedule(this.timer, nsOfTick(next, this.busHz));
  }

  private timerExpired(_at: number): void {
    const l = this.lvt[Lvt.TIMER];
    if ((l & LVT_MASK) === 0) this.accept(l & 0xff, false);
    if (this.periodic() && this.timerRunning) {
      this.nextTick += (this.initialCount >>> 0) * this.divisor();
      this.clock.schedule(this.timer, nsOfTick(this.nextTick, this.busHz));
    }
  }

  // ---- the MMIO window ----

  read(offset: number, size: number): number {
    if (!this.globallyEnabled) {
      this.reporter.once("lapic-disabled-access", "local APIC: access while globally disabled (IA32_APIC_BASE.EN=0) reads all ones");
      return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    }
    const v = this.readRegister(offset & 0xff0);
    if (size === 4 && (offset & 0xf) === 0) return v >>> 0;
    this.reporter.once("lapic-narrow", `local APIC: ${size}-byte access at offset 0x${offset.toString(16)} (registers are 32-bit at 16-byte boundaries)`);
    const sh = (offset & 0xf) * 8;
    if (sh >= 32) return 0;
    return size === 4 ? (v >>> sh) >>> 0 : (v >>> sh) & ((1 << (size * 8)) - 1);
  }

  write(offset: number, size: number, value: number): void {
    if (!this.globallyEnabled) {
      this.reporter.once("lapic-disabled-access", "local APIC: access while globally disabled (IA32_APIC_BASE.EN=0) ignored");
      return;
    }
    if (size !== 4 || (offset & 0xf) !== 0) {
      this.reporter.once("lapic-narrow-write", `local APIC: ${size}-byte write at offset 0x${offset.toString(16)} ignored (registers are 32-bit at 16-byte boundaries)`);
      return;
    }
    this.writeRegister(offset & 0xff0, value | 0);
  }

  private readRegister(off: number): number {
    const r = off >> 4;
    if (r >= 0x10 && r < 0x18) return this.isr[r - 0x10];
    if (r >= 0x18 && r < 0x20) return this.tmr[r - 0x18];
    if (r >= 0x20 && r < 0x28) return this.irr[r - 0x20];
    if (r >= 0x32 && r < 0x38) return this.lvt[r - 0x32];
    switch (r) {
      case 0x02: return this.id << 24;
      case 0x03: return LAPIC_VERSION;
      case 0x08: return this.tpr;
      case 0x09: return this.apr();
      case 0x0a: return this.ppr();
      case 0x0b: return 0;
      case 0x0d: return this.ldr;
      case 0x0e: return this.dfr;
      case 0x0f: return this.svr;
      case 0x28: return this.esr;
      case 0x30: return this.icrLo;
      case 0x31: return this.icrHi;
      case 0x38: return this.initialCount;
      case 0x39: return this.currentCount(this.clock.nowNs());
      case 0x3e: return this.divideConfig;
      default:
        this.error(Esr.ILLEGAL_REGISTER);
        return 0;
    }
  }

  private writeRegister(off: number, v: number): void {
    const r = off >> 4;
    if (r >= 0x32 && r < 0x38) { this.writeLvt(r - 0x32, v); return; }
    if ((r >= 0x10 && r < 0x28) || r === 0x03 || r === 0x09 || r === 0x0a || r === 0x39) return; // read-only
    switch (r) {
      case 0x02: this.id = v >>> 24; return;
      case 0x08: this.tpr = v & 0xff; this.onInterrupt(); return;
      case 0x0b: this.eoi(); return;
      case 0x0d: this.ldr = v & 0xff000000; return;
      case 0x0e: this.dfr = v | 0x0fffffff; return;
      case 0x0f:
        this.svr = v & 0x3ff;
        if (!this.softwareEnabled) for (let i = 0; i < 6; i++) this.lvt[i] |= LVT_MASK; // SDM 11.4.7.2
        this.onInterrupt();
        return;
      case 0x28: this.esr = this.esrPending; this.esrPending = 0; return;
      case 0x30: this.icrLo = v & 0x000ccfff; this.sendIpi(); return;
      case 0x31: this.icrHi = v & 0xff000000; return;
      case 0x38: this.initialCount = v; this.startTimer(v >>> 0); return;
      case 0x3e: {
        const now = this.clock.nowNs();
        const count = this.currentCount(now);
        this.divideConfig = v & 0xb;
        if (this.timerRunning) this.startTimer(count);
        return;
      }
      default:
        this.error(Esr.ILLEGAL_REGISTER);
    }
  }

  private writeLvt(i: number, v: number): void {
    const w = LVT_WRITABLE[i];
    let nv = (this.lvt[i] & ~w) | (v & w);
    if (!this.softwareEnabled) nv |= LVT_MASK;
    if (i === Lvt.TIMER && (v & (1 << 18)) !== 0)
      this.reporter.once("lapic-tsc-deadline", "local APIC: TSC-deadline timer mode not supported (CPUID.1:ECX.TSC_DEADLINE=0); bit 18 ignored");
    const mode = (nv >> 8) & 7;
    if (i !== Lvt.TIMER && i !== Lvt.ERROR && (nv & LVT_MASK) === 0 && mode !== DeliveryMode.FIXED && mode !== DeliveryMode.NMI && mode !== DeliveryMode.EXTINT)
      this.reporter.once(`lapic-lvt-${i}-${mode}`, `local APIC: LVT ${LVT_NAMES[i]} delivery mode ${MODE_NAMES[mode]} not modelled`);
    const wasPeriodic = this.periodic();
    this.lvt[i] = nv;
    if (i === Lvt.TIMER && wasPeriodic !== this.periodic()) this.armTimer(this.clock.nowNs());
    if (i === Lvt.LINT0) this.onInterrupt();
  }

  save(): DeviceState {
    return {
      baseLo: this.baseLo, baseHi: this.baseHi, id: this.id, tpr: this.tpr, ldr: this.ldr, dfr: this.dfr, svr: this.svr,
      irr: Array.from(this.irr), isr: Array.from(this.isr), tmr: Array.from(this.tmr),
      esr: this.esr, esrPending: this.esrPending, icrLo: this.icrLo, icrHi: this.icrHi, lvt: Array.from(this.lvt),
      initialCount: this.initialCount, divideConfig: this.divideConfig, timerRunning: this.timerRunning,
      startTick: this.startTick, startCount: this.startCount, nextTick: this.nextTick,
      extIntRequest: this.extIntRequest, timerAtNs: this.timer.atNs,
    };
  }

  restore(s: DeviceState): void {
    this.baseLo = s.baseLo as number; this.baseHi = s.baseHi as number; this.id = s.id as number;
    this.tpr = s.tpr as number; this.ldr = s.ldr as number; this.dfr = s.dfr as number; this.svr = s.svr as number;
    this.irr.set(s.irr as number[]); this.isr.set(s.isr as number[]); this.tmr.set(s.tmr as number[]);
    this.esr = s.esr as number; this.esrPending = s.esrPending as number;
    this.icrLo = s.icrLo as number; this.icrHi = s.icrHi as number; this.lvt.set(s.lvt as number[]);
    this.initialCount = s.initialCount as number; this.divideConfig = s.divideConfig as number;
    this.timerRunning = s.timerRunning as boolean; this.startTick = s.startTick as number;
    this.startCount = s.startCount as number; this.nextTick = s.nextTick as number;
    this.extIntRequest = s.extIntRequest as boolean;
    const at = s.timerAtNs as number;
    if (at >= 0) this.clock.schedule(this.timer, at); else this.clock.cancel(this.timer);
  }
}
