// g / G / p n / P n=v (gdb manual, "Packets").

import { fromHex, parseHexNum } from "../packet.js";

export type RegisterCommand =
  | { op: "readAll" }
  | { op: "writeAll"; bytes: Buffer }
  | { op: "readOne"; n: number }
  | { op: "writeOne"; n: number; bytes: Buffer };

/** Parses a register packet; null when malformed. */
export function parseRegisters(p: string): RegisterCommand | null {
  if (p === "g") return { op: "readAll" };
  if (p[0] === "G") { const bytes = fromHex(p.slice(1)); return bytes ? { op: "writeAll", bytes } : null; }
  if (p[0] === "p") { const n = parseHexNum(p.slice(1)); return Number.isNaN(n) ? null : { op: "readOne", n }; }
  if (p[0] === "P") {
    const m = /^P([0-9a-fA-F]+)=([0-9a-fA-F]*)$/.exec(p);
    const bytes = m ? fromHex(m[2]) : null;
    return m && bytes ? { op: "writeOne", n: parseInt(m[1], 16), bytes } : null;
  }
  return null;
}
