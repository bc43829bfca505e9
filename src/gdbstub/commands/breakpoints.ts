// Z type,addr,kind / z type,addr,kind (gdb manual, "Packets"). kind = length for watchpoints,
// breakpoint size (1 on x86) for Z0/Z1; conditions after ';' are not supported (ignored).

import { parseHexNum } from "../packet.js";
import type { BpType } from "../target.js";

export interface BreakpointCommand { insert: boolean; type: BpType; addr: number; len: number }

export function parseBreakpoint(p: string): BreakpointCommand | null {
  const m = /^([Zz])([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(p);
  if (!m) return null;
  const addr = parseHexNum(m[3]), len = parseHexNum(m[4]);
  if (Number.isNaN(addr) || Number.isNaN(len) || addr > 0xffffffff) return null;
  return { insert: m[1] === "Z", type: Number(m[2]) as BpType, addr, len };
}
