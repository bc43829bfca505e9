import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkBuffer } from "../../src/replay/chunk-buffer.js";
import { codec } from "../../src/replay/trace-format.js";
import { arbKindPayload, norm } from "./helpers.js";

const encode = (delta: number, kind: number, payload: unknown): Uint8Array => {
  const c = new ChunkBuffer(8, 4);
  c.event(delta, kind, payload);
  return c.buf.slice(8, c.pos);
};

describe("ChunkBuffer event encoding", () => {
  it("any event with values below 2^32: bytes identical to msgpackr's encoding of [delta, kind, payload]", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), arbKindPayload, (delta, [kind, payload]) => {
        const big = JSON.stringify(payload, (_k, v) => (typeof v === "number" && v >= 2 ** 32 ? "BIG" : v)).includes("BIG");
        fc.pre(!big);
        expect(Buffer.from(encode(delta, kind, payload)).toString("hex")).toBe(codec.pack([delta, kind, payload]).toString("hex"));
      }),
      { seed: 808, numRuns: 500 },
    );
  });

  it("any event, any delta up to 2^53-1: msgpackr decodes it back to the same values", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), arbKindPayload, (delta, [kind, payload]) => {
        const decoded = codec.unpack(encode(delta, kind, payload)) as unknown[];
        expect(norm([{ e: decoded } as never])).toEqual(norm([{ e: [delta, kind, payload] } as never]));
      }),
      { seed: 809, numRuns: 500 },
    );
  });

  it("2^40+1 → cf 00 00 01 00 00 00 00 01 (msgpack uint64); 300-byte bin → c5 01 2c + bytes", () => {
    expect(Buffer.from(encode(2 ** 40 + 1, 3, [1])).toString("hex")).toBe("93cf000001000000000103" + "9101");
    const b = encode(0, 8, [new Uint8Array(300).fill(7)]);
    expect(Buffer.from(b.subarray(0, 7)).toString("hex")).toBe("9300089" + "1c5012c");
    expect(b.length).toBe(7 + 300);
  });

  it("array header for 15, 16, 65535 and 65536 items ends exactly where the events start", () => {
    const c = new ChunkBuffer(8, 4);
    expect([15, 16, 65535, 65536].map((n) => [8 - c.arrayHeaderBefore(8, n), Buffer.from(c.buf.subarray(c.arrayHeaderBefore(8, n), 8)).toString("hex")])).toEqual([
      [1, "9f"],
      [3, "dc0010"],
      [3, "dcffff"],
      [5, "dd00010000"],
    ]);
  });
});
