// Bad guest images: one typed error naming the file, the byte offset and what was expected there.
// A loader never lets a malformed image become a RangeError or an emulator bug.

export const hex = (n: number): string => "0x" + (n >>> 0).toString(16);

/** A guest image that cannot be loaded: `file` at byte `offset` is not what `expected` says. */
export class ImageError extends Error {
  constructor(readonly file: string, readonly offset: number, readonly expected: string, readonly found?: string) {
    super(`${file}: offset ${hex(offset)}: expected ${expected}${found === undefined ? "" : `, found ${found}`}`);
    this.name = "ImageError";
  }
}

/** Names the kind of file that starts with `bytes` (for "not a bzImage, found …" messages). */
export function describeStart(bytes: Uint8Array): string {
  const b = (i: number): number => (i < bytes.length ? bytes[i] : -1);
  const head = Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, "0")).join(" ");
  if (bytes.length === 0) return "an empty file";
  if (b(0) === 0x7f && b(1) === 0x45 && b(2) === 0x4c && b(3) === 0x46) return `an ELF file (${head})`;
  if (b(0) === 0x1f && b(1) === 0x8b) return `gzip data (${head})`;
  if (b(0) === 0x4d && b(1) === 0x5a) return `a PE/MZ executable (${head})`;
  if (b(0) === 0x30 && b(1) === 0x37 && b(2) === 0x30 && b(3) === 0x37) return `a cpio archive (${head})`;
  if (b(0) === 0x21 && b(1) === 0x3c && b(2) === 0x61 && b(3) === 0x72) return `an ar archive / .deb (${head})`;
  return `bytes ${head}`;
}

/** Bounds-checked little-endian reads over an image; every failure is an ImageError with the offset. */
export class ImageReader {
  private readonly view: DataView;
  constructor(readonly file: string, readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number { return this.bytes.length; }

  /** Throws unless [offset, offset+size) lies inside the file; `what` names the field. */
  need(offset: number, size: number, what: string): void {
    if (offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new ImageError(this.file, offset, `${what} (${size} bytes)`, `end of file at ${hex(this.bytes.length)}`);
    }
  }
  u8(offset: number, what: string): number { this.need(offset, 1, what); return this.view.getUint8(offset); }
  u16(offset: number, what: string): number { this.need(offset, 2, what); return this.view.getUint16(offset, true); }
  u32(offset: number, what: string): number { this.need(offset, 4, what); return this.view.getUint32(offset, true); }
  /** A view of [offset, offset+size) (no copy). */
  slice(offset: number, size: number, what: string): Uint8Array {
    this.need(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }
  error(offset: number, expected: string, found?: string): ImageError {
    return new ImageError(this.file, offset, expected, found);
  }
}
