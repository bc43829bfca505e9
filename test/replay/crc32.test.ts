import fc from "fast-check";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/replay/crc32.js";

const ascii = (s: string) => new TextEncoder().encode(s);

describe("crc32", () => {
  it('"123456789" → 0xCBF43926 (CRC-32/ISO-HDLC catalogue check value)', () => {
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
  });

  it('"" → 0; "a" → 0xE8B7BE43; "The quick brown fox jumps over the lazy dog" → 0x414FA339', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii("a"))).toBe(0xe8b7be43);
    expect(crc32(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
  });

  it("32 zero bytes → 0x190A55AD, 32 0xFF bytes → 0xFF6CAB0B (zlib's crc32 of the same bytes)", () => {
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
    expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
  });

  it("any bytes, any split point: crc32 equals node:zlib crc32, and continuing from a prefix's CRC equals the whole", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (b, k) => {
        const split = b.length ? k % (b.length + 1) : 0;
        const whole = crc32(b);
        expect(whole).toBe(zlib.crc32(b));
        expect(crc32(b, split, b.length, crc32(b, 0, split))).toBe(whole);
      }),
      { seed: 20240501, numRuns: 300 },
    );
  });
});
