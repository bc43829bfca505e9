// The writer's chunk under construction: a growable byte buffer with room reserved in front for the
// chunk frame and the payload's msgpack array header, and a direct msgpack encoder for event
// tuples. Input events (arrays of unsigned integers and byte strings) are encoded here without
// going through msgpackr, which costs ~1 µs per call; anything else goes through the codec.
// Output is standard msgpack, byte-identical to msgpackr's except that integers >= 2^32 are
// uint64 (0xcf) here where msgpackr writes float64 (0xcb); both decode to the same number.

import { codec } from "./trace-format.js";

export class ChunkBuffer {
  buf: Uint8Array;
  /** End of the encoded events. */
  pos: number;
  private view: DataView;

  constructor(readonly headroom: number, initial = 1 << 16) {
    this.buf = new Uint8Array(headroom + initial);
    this.view = new DataView(this.buf.buffer);
    this.pos = headroom;
  }

  /** Bytes of encoded events. */
  get used(): number {
    return this.pos - this.headroom;
  }

  reset(): void {
    this.pos = this.headroom;
  }

  /** Append the msgpack encoding of [delta, kind, payload]. */
  event(delta: number, kind: number, payload: unknown): void {
    this.ensure(20);
    this.buf[this.pos++] = 0x93; // fixarray of 3
    this.uint(delta);
    this.uint(kind);
    if (Array.isArray(payload) && payload.length < 16 && simple(payload)) {
      this.buf[this.pos++] = 0x90 | payload.length;
      for (const x of payload) {
        if (typeof x === "number") {
          this.ensure(9);
          this.uint(x);
        } else this.bin(x as Uint8Array);
      }
    } else {
      const b = codec.pack(payload);
      this.ensure(b.length);
      this.buf.set(b, this.pos);
      this.pos += b.length;
    }
  }

  /** Write a msgpack array header for `n` items ending exactly at `end`; returns where it starts. */
  arrayHeaderBefore(end: number, n: number): number {
    if (n < 16) {
      this.buf[end - 1] = 0x90 | n;
      return end - 1;
    }
    if (n < 0x10000) {
      this.buf[end - 3] = 0xdc;
      this.view.setUint16(end - 2, n);
      return end - 3;
    }
    this.buf[end - 5] = 0xdd;
    this.view.setUint32(end - 4, n);
    return end - 5;
  }

  /** Unsigned integer in its shortest msgpack form; caller has ensured 9 bytes. */
  private uint(v: number): void {
    const b = this.buf;
    if (v < 0x80) b[this.pos++] = v;
    else if (v < 0x100) {
      b[this.pos++] = 0xcc;
      b[this.pos++] = v;
    } else if (v < 0x10000) {
      b[this.pos++] = 0xcd;
      this.view.setUint16(this.pos, v);
      this.pos += 2;
    } else if (v < 0x100000000) {
      b[this.pos++] = 0xce;
      this.view.setUint32(this.pos, v);
      this.pos += 4;
    } else {
      b[this.pos++] = 0xcf;
      this.view.setUint32(this.pos, Math.floor(v / 0x100000000));
      this.view.setUint32(this.pos + 4, v >>> 0);
      this.pos += 8;
    }
  }

  private bin(x: Uint8Array): void {
    const n = x.length;
    this.ensure(5 + n);
    const b = this.buf;
    if (n < 0x100) {
      b[this.pos++] = 0xc4;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = 0xc5;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xc6;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
    if (n < 16) for (let i = 0; i < n; i++) b[this.pos + i] = x[i];
    else b.set(x, this.pos);
    this.pos += n;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.pos + n, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** Every element is a safe non-negative integer or a byte string. */
function simple(a: unknown[]): boolean {
  for (const x of a) {
    if (typeof x === "number") {
      if (!Number.isSafeInteger(x) || x < 0) return false;
    } else if (!(x instanceof Uint8Array)) return false;
  }
  return true;
}
