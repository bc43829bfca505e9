// Port 0x92, System Control Port A ("fast A20 and reset", PS/2; PIIX3 "Port 92 Register"):
//   bit 1 ALT_A20_GATE: 1 = A20 enabled     bit 0 ALT_RESET: a 0→1 transition resets the CPU
//   bits 7-2 stored (bit 3 is the power-on password lock on PS/2; no function here).
// The machine combines this A20 with the keyboard controller's (A20 = either of them).

import type { Device, DeviceState } from "./device.js";

export interface Port92Options {
  onA20?: (enabled: boolean) => void;
  onReset?: () => void;
}

export class SystemControlPortA implements Device {
  value = 0;
  private readonly onA20: (enabled: boolean) => void;
  private readonly onReset: () => void;

  constructor(options: Port92Options = {}) {
    this.onA20 = options.onA20 ?? (() => {});
    this.onReset = options.onReset ?? (() => {});
  }

  get a20(): boolean {
    return (this.value & 2) !== 0;
  }

  read(): number {
    return this.value;
  }

  write(_offset: number, _size: number, v: number): void {
    const old = this.value;
    this.value = v & 0xff;
    if ((old ^ v) & 2) this.onA20((v & 2) !== 0);
    if (v & 1 && !(old & 1)) this.onReset();
  }

  save(): DeviceState {
    return { value: this.value };
  }

  restore(s: DeviceState): void {
    this.value = s.value as number;
  }
}
