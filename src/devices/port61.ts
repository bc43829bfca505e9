// Port 0x61, System Control Port B (PC/AT; PIIX3 "NMI Status and Control Register"):
//   bit 7 SERR#/parity error status (ro, 0)   bit 3 IOCHK# NMI enable (rw, 0 = enabled)
//   bit 6 IOCHK# status (ro, 0)                bit 2 PCI SERR#/parity NMI enable (rw)
//   bit 5 counter 2 OUT (ro)                   bit 1 speaker data enable (rw)
//   bit 4 refresh cycle toggle (ro)            bit 0 counter 2 GATE (rw)
// The refresh toggle flips on every DRAM refresh request, which the PC/AT derives from PIT
// counter 1 (mode 2, count 18: every 18 PIT ticks, 15.09 µs). We derive it from the PIT tick
// grid directly, whatever counter 1 is programmed to, so it is a pure function of guest time.

import type { Device, DeviceState } from "./device.js";
import type { Pit } from "./pit.js";

export const REFRESH_TICKS = 18;

export class SystemControlPortB implements Device {
  /** The writable bits 0-3. */
  control = 0;

  constructor(private readonly pit: Pit) {
    pit.counters[2].gate = 0; // GATE2 follows bit 0, which is 0 at reset
  }

  read(): number {
    const t = this.pit.now();
    const refresh = Math.floor(t / REFRESH_TICKS) & 1;
    return (this.control & 0x0f) | (refresh << 4) | (this.pit.outAt(2, t) << 5);
  }

  write(_offset: number, _size: number, value: number): void {
    this.control = value & 0x0f;
    this.pit.setGate(2, value & 1);
  }

  save(): DeviceState {
    return { control: this.control };
  }

  restore(s: DeviceState): void {
    this.control = s.control as number;
  }
}
