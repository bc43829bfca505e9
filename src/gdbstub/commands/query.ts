// General queries and settings (gdb manual, "General Query Packets").

import { parseHexNum } from "../packet.js";

export type QueryCommand =
  | { op: "supported"; features: string[] }
  | { op: "xferFeatures"; annex: string; offset: number; length: number }
  | { op: "currentThread" }
  | { op: "threadInfoFirst" }
  | { op: "threadInfoNext" }
  | { op: "attached" }
  | { op: "rcmd"; command: string }
  | { op: "noAck" }
  | { op: "setThread" }
  | { op: "threadAlive" }
  | { op: "vContQuery" };

export function parseQuery(p: string): QueryCommand | null {
  if (p.startsWith("qSupported")) return { op: "supported", features: p.length > 11 ? p.slice(11).split(";") : [] };
  if (p.startsWith("qXfer:features:read:")) {
    const m = /^qXfer:features:read:([^:]+):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
    if (!m) return null;
    const offset = parseHexNum(m[2]), length = parseHexNum(m[3]);
    return Number.isNaN(offset) || Number.isNaN(length) ? null : { op: "xferFeatures", annex: m[1], offset, length };
  }
  if (p === "qC") return { op: "currentThread" };
  if (p === "qfThreadInfo") return { op: "threadInfoFirst" };
  if (p === "qsThreadInfo") return { op: "threadInfoNext" };
  if (p === "qAttached" || p.startsWith("qAttached:")) return { op: "attached" };
  if (p.startsWith("qRcmd,")) {
    const hex = p.slice(6);
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
    return { op: "rcmd", command: Buffer.from(hex, "hex").toString("latin1") };
  }
  if (p === "QStartNoAckMode") return { op: "noAck" };
  if (p[0] === "H") return { op: "setThread" };
  if (p[0] === "T") return { op: "threadAlive" };
  if (p === "vCont?") return { op: "vContQuery" };
  return null;
}
