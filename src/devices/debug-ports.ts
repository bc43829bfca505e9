// Ports that exist for debugging, not in any chipset:
//   0x80  POST code port: firmware writes progress codes; we keep the last one.
//   0xE9  debug console (Bochs/QEMU "port E9 hack"): each byte written is console output;
//         reading returns 0xE9 so a guest can detect the port.
//   0xF4  debug exit (QEMU isa-debug-exit style, 4 ports wide): a write of `value` ends the run
//         with exit code (value << 1) | 1, so no guest value can mean "exit 0".

import type { Device, DeviceState } from "./device.js";

export class PostCodePort implements Device {
  /** The last code written; -1 before any. */
  lastCode = -1;
  constructor(private readonly onCode: (code: number) => void = () => {}) {}
  read(): number {
    return this.lastCode < 0 ? 0xff : this.lastCode;
  }
  write(_offset: number, _size: number, value: number): void {
    this.lastCode = value & 0xff;
    this.onCode(this.lastCode);
  }
  save(): DeviceState {
    return { lastCode: this.lastCode };
  }
  restore(s: DeviceState): void {
    this.lastCode = s.lastCode as number;
  }
}

export class DebugConsolePort implements Device {
  constructor(private readonly onByte: (byte: number) => void) {}
  read(): number {
    return 0xe9;
  }
  write(_offset: number, _size: number, value: number): void {
    this.onByte(value & 0xff);
  }
  save(): DeviceState {
    return {};
  }
  restore(): void {}
}

export const DEBUG_EXIT_PORT = 0xf4;
export const DEBUG_EXIT_SIZE = 4;

export class DebugExitPort implements Device {
  readonly wide = true;
  constructor(private readonly onExit: (exitCode: number) => void) {}
  read(_offset: number, size: number): number {
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }
  write(_offset: number, _size: number, value: number): void {
    this.onExit((value >>> 0) * 2 + 1);
  }
  save(): DeviceState {
    return {};
  }
  restore(): void {}
}
