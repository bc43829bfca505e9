// c [addr] / s [addr] / vCont;action[:thread]... / bc / bs (gdb manual, "Packets", "vCont packet").
// One thread: a vCont action for any thread applies to the machine; the first action wins.

import { parseHexNum } from "../packet.js";

export type ResumeCommand =
  | { op: "continue"; addr?: number }
  | { op: "step"; addr?: number }
  | { op: "reverseContinue" }
  | { op: "reverseStep" };

export function parseResume(p: string): ResumeCommand | null {
  if (p === "bc") return { op: "reverseContinue" };
  if (p === "bs") return { op: "reverseStep" };
  if (p[0] === "c" || p[0] === "s") {
    const rest = p.slice(1);
    let addr: number | undefined;
    if (rest.length) { addr = parseHexNum(rest); if (Number.isNaN(addr)) return null; }
    return p[0] === "c" ? { op: "continue", addr } : { op: "step", addr };
  }
  if (p.startsWith("vCont;")) {
    for (const action of p.slice(6).split(";")) {
      const a = action.split(":")[0];
      if (a === "c" || a[0] === "C") return { op: "continue" };
      if (a === "s" || a[0] === "S") return { op: "step" };
    }
    return null;
  }
  return null;
}
