// m addr,len / M addr,len:hex / X addr,len:binary (gdb manual, "Packets").

import { fromHex, parseHexNum } from "../packet.js";

export type MemoryCommand =
  | { op: "read"; addr: number; len: number }
  | { op: "write"; addr: number; bytes: Buffer };

/** Parses a memory packet (raw bytes: X carries binary data); null when malformed. */
export function parseMemory(raw: Buffer): MemoryCommand | null {
  const kind = String.fromCharCode(raw[0]);
  const colon = raw.indexOf(0x3a);
  const head = raw.subarray(1, kind === "m" ? raw.length : colon < 0 ? 0 : colon).toString("latin1");
  const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(head);
  if (!m) return null;
  const addr = parseHexNum(m[1]), len = parseHexNum(m[2]);
  if (Number.isNaN(addr) || Number.isNaN(len) || addr > 0xffffffff) return null;
  if (kind === "m") return { op: "read", addr, len };
  const body = raw.subarray(colon + 1);
  const bytes = kind === "M" ? fromHex(body.toString("latin1")) : Buffer.from(body);
  if (!bytes || bytes.length !== len) return null;
  return { op: "write", addr, bytes };
}
