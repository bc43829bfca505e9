import { describe, expect, it } from "vitest";
import { decodeBody, encodePacket, MAX_PACKET, PacketFramer } from "../../src/gdbstub/packet.js";

const b = (s: string) => Buffer.from(s, "latin1");

describe("RSP framing (gdb manual, Overview of the Remote Protocol)", () => {
  it('"OK" → $OK#9a (0x4f + 0x4b = 0x9a)', () => {
    expect(encodePacket("OK").toString("latin1")).toBe("$OK#9a");
  });
  it("reply bytes $ # } * are escaped as } x^0x20 and the checksum covers the escaped bytes", () => {
    // '}' 0x7d ^ 0x20 = 0x5d ']'; '#' 0x23 → 0x03; checksum = 0x7d+0x5d+0x7d+0x03 = 0x15a → 5a
    expect(encodePacket(b("}#")).toString("latin1")).toBe("$}]}\x03#5a");
  });
  it('"0* " run-length: * then space (32 - 29 = 3 more) → "0000" (manual\'s example)', () => {
    expect(decodeBody(b("0* "))!.toString("latin1")).toBe("0000");
  });
  it("}] in received data unescapes to }", () => {
    expect(decodeBody(b("X}]"))!.toString("latin1")).toBe("X}");
  });
  it("a packet split across reads is framed once, with ack/nak/^C bytes outside packets reported in order", () => {
    const f = new PacketFramer();
    expect(f.push(b("+\x03$m0,"))).toEqual([{ kind: "ack" }, { kind: "interrupt" }]);
    const out = f.push(b("4#fd-"));
    expect(out).toEqual([{ kind: "packet", data: b("m0,4") }, { kind: "nak" }]);
  });
  it("wrong checksum → bad-checksum; uppercase hex checksum digits accepted", () => {
    const f = new PacketFramer();
    expect(f.push(b("$g#00"))).toEqual([{ kind: "bad-checksum" }]);
    expect(f.push(b("$OK#9A"))).toEqual([{ kind: "packet", data: b("OK") }]);
    expect(f.push(b("$g#zz"))).toEqual([{ kind: "bad-checksum" }]);
  });
  it("data longer than MAX_PACKET → too-long, and the framer keeps working afterwards", () => {
    const f = new PacketFramer();
    const big = "a".repeat(MAX_PACKET + 100);
    const sum = (0x61 * big.length) & 0xff;
    expect(f.push(b(`$${big}#${sum.toString(16).padStart(2, "0")}`))).toEqual([{ kind: "too-long" }]);
    expect(f.push(b("$g#67"))).toEqual([{ kind: "packet", data: b("g") }]);
  });
  it("a run-length expansion beyond MAX_PACKET → too-long (no unbounded allocation)", () => {
    const f = new PacketFramer();
    let body = "";
    for (let i = 0; i < 400; i++) body += "a*~"; // each expands to 1 + 97 bytes
    const sum = [...b(body)].reduce((s, x) => (s + x) & 0xff, 0);
    expect(f.push(b(`$${body}#${sum.toString(16).padStart(2, "0")}`))).toEqual([{ kind: "too-long" }]);
  });
  it("random garbage never throws", () => {
    const f = new PacketFramer();
    let seed = 12345;
    const bytes = new Uint8Array(100_000).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    expect(() => f.push(bytes)).not.toThrow();
  });
});
