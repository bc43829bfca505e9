// GDB remote serial protocol framing (gdb manual, "Overview" of the Remote Protocol appendix).
//
//   $ <data> # c1 c2        c1c2 = two lowercase hex digits, sum of <data> bytes mod 256
//   +  / -                  ack / nak (not sent after QStartNoAckMode)
//   0x03                    interrupt request outside a packet (Ctrl-C)
//
// In <data>: '}' x   stands for the byte x ^ 0x20 (escapes '#', '$', '}', '*')
//            c '*' n stands for c repeated (n - 29) more times (run-length; n is printable, n >= ' ' + 3)
// The checksum covers <data> as sent (before unescaping and run-length expansion).

/** What the framer found in the byte stream. */
export type Frame =
  | { kind: "packet"; data: Buffer }
  | { kind: "bad-checksum" }
  | { kind: "too-long" }
  | { kind: "interrupt" }
  | { kind: "ack" }
  | { kind: "nak" };

const enum State { IDLE, DATA, CS1, CS2 }

/** Largest packet data accepted (after expansion); advertised as PacketSize. */
export const MAX_PACKET = 0x4000;

/** Byte-at-a-time packet framer; never throws on any input. */
export class PacketFramer {
  private state = State.IDLE;
  private buf = Buffer.alloc(MAX_PACKET + 64);
  private len = 0;
  private sum = 0;
  private overflow = false;
  private csHi = 0;

  /** Feeds bytes; returns the frames completed by them, in order. */
  push(chunk: Uint8Array): Frame[] {
    const out: Frame[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case State.IDLE:
          if (b === 0x24) { this.state = State.DATA; this.len = 0; this.sum = 0; this.overflow = false; }
          else if (b === 0x03) out.push({ kind: "interrupt" });
          else if (b === 0x2b) out.push({ kind: "ack" });
          else if (b === 0x2d) out.push({ kind: "nak" });
          break; // anything else between packets is line noise
        case State.DATA:
          if (b === 0x23) { this.state = State.CS1; break; }
          if (b === 0x24) { this.len = 0; this.sum = 0; this.overflow = false; break; } // restart
          this.sum = (this.sum + b) & 0xff;
          if (this.len < this.buf.length) this.buf[this.len++] = b;
          else this.overflow = true;
          break;
        case State.CS1:
          this.csHi = hexVal(b);
          this.state = State.CS2;
          break;
        case State.CS2: {
          this.state = State.IDLE;
          const lo = hexVal(b);
          if (this.csHi < 0 || lo < 0 || ((this.csHi << 4) | lo) !== this.sum) { out.push({ kind: "bad-checksum" }); break; }
          if (this.overflow) { out.push({ kind: "too-long" }); break; }
          const data = decodeBody(this.buf.subarray(0, this.len));
          out.push(data === null ? { kind: "too-long" } : { kind: "packet", data });
          break;
        }
      }
    }
    return out;
  }
}

function hexVal(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** Unescapes and run-length expands packet data; null when the result exceeds MAX_PACKET. */
export function decodeBody(raw: Uint8Array): Buffer | null {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x7d && i + 1 < raw.length) { out.push(raw[++i] ^ 0x20); }
    else if (b === 0x2a && out.length > 0 && i + 1 < raw.length) {
      const n = raw[++i] - 29;
      if (n > 0) { const c = out[out.length - 1]; for (let k = 0; k < n; k++) out.push(c); }
    } else out.push(b);
    if (out.length > MAX_PACKET) return null;
  }
  return Buffer.from(out);
}

/** Frames `data` as `$data#cs`, escaping '$', '#', '}' and '*'. */
export function encodePacket(data: string | Uint8Array): Buffer {
  const src = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  const out: number[] = [0x24];
  let sum = 0;
  const put = (b: number) => { out.push(b); sum = (sum + b) & 0xff; };
  for (const b of src) {
    if (b === 0x24 || b === 0x23 || b === 0x7d || b === 0x2a) { put(0x7d); put(b ^ 0x20); } else put(b);
  }
  out.push(0x23, ...Buffer.from(sum.toString(16).padStart(2, "0"), "latin1"));
  return Buffer.from(out);
}

// ---- hex helpers shared by the command parsers ----

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Little-endian hex of a 32-bit value in `bytes` bytes (register transfer order). */
export function leHex(v: number, bytes = 4): string {
  let s = "";
  for (let i = 0; i < bytes; i++) s += ((v >>> (8 * i)) & 0xff).toString(16).padStart(2, "0");
  return s;
}

/** Parses little-endian hex (up to 4 bytes) back into a uint32; NaN when malformed. */
export function parseLeHex(s: string): number {
  if (!/^([0-9a-fA-F]{2}){1,4}$/.test(s)) return NaN;
  let v = 0;
  for (let i = 0; i < s.length / 2; i++) v += parseInt(s.slice(2 * i, 2 * i + 2), 16) * 2 ** (8 * i);
  return v;
}

/** Parses a big-endian hex number as gdb writes addresses and lengths; NaN when malformed. */
export function parseHexNum(s: string): number {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) return NaN;
  const v = parseInt(s, 16);
  return Number.isSafeInteger(v) ? v : NaN;
}

/** Decodes an even-length hex string; null when malformed. */
export function fromHex(s: string): Buffer | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  return Buffer.from(s, "hex");
}
