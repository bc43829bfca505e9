// A system BIOS ROM image (e.g. SeaBIOS bios.bin): checked here, mapped by the machine so that it
// ends at 4 GiB, with its last 128 KiB also at 0xE0000-0xFFFFF (src/devices/pam.ts), and the CPU
// starts at the reset vector F000:FFF0 (CS base 0xFFFF0000), i.e. the image's last 16 bytes.

import { describeStart, hex, ImageError } from "./image-error.js";

/** ROM images are whole 64 KiB blocks... */
export const BIOS_BLOCK = 0x10000;
/** ...and at most 16 MiB (the i440FX/PIIX3 decode at most that much below 4 GiB as BIOS flash). */
export const BIOS_MAX_BYTES = 16 << 20;

/** Throws ImageError unless `bytes` can be a BIOS ROM: a 64 KiB multiple up to 16 MiB with something at the reset vector. */
export function checkBiosImage(file: string, bytes: Uint8Array): void {
  const n = bytes.length;
  if (n === 0 || n % BIOS_BLOCK !== 0 || n > BIOS_MAX_BYTES) {
    throw new ImageError(file, 0, `a BIOS ROM image of a multiple of 64 KiB up to 16 MiB`, `${n} bytes (${describeStart(bytes)})`);
  }
  // The reset vector is the image's last 16 bytes; erased flash (all 0xFF) or zero fill cannot run.
  const reset = bytes.subarray(n - 16);
  if (reset.every((b) => b === 0xff) || reset.every((b) => b === 0)) {
    throw new ImageError(file, n - 16, "code at the reset vector (the last 16 bytes, run at 0xFFFFFFF0)", `all ${hex(reset[0])}`);
  }
}
