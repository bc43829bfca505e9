// The target description gdb reads with qXfer:features:read:target.xml (gdb manual, "Target
// Descriptions"): architecture i386, the org.gnu.gdb.i386.core feature (general, segment and x87
// registers, the set gdb's i386 support requires), and org.x86rr.system with control registers
// and segment bases. Register numbers follow REGS (registers.ts).

import { FIRST_SYSTEM, REGS } from "./registers.js";

const EFLAGS_BITS: [number, string][] = [
  [0, "CF"], [1, ""], [2, "PF"], [4, "AF"], [6, "ZF"], [7, "SF"], [8, "TF"], [9, "IF"], [10, "DF"],
  [11, "OF"], [14, "NT"], [16, "RF"], [17, "VM"], [18, "AC"], [19, "VIF"], [20, "VIP"], [21, "ID"],
];

function reg(n: number): string {
  const r = REGS[n];
  const group = r.group ? ` group="${r.group}"` : "";
  return `  <reg name="${r.name}" bitsize="${r.bytes * 8}" type="${r.type}" regnum="${n}"${group}/>\n`;
}

function build(): string {
  let core = `<feature name="org.gnu.gdb.i386.core">\n  <flags id="i386_eflags" size="4">\n`;
  for (const [bit, name] of EFLAGS_BITS) core += `    <field name="${name}" start="${bit}" end="${bit}"/>\n`;
  core += `  </flags>\n`;
  for (let n = 0; n < FIRST_SYSTEM; n++) core += reg(n);
  core += `</feature>\n`;
  let sys = `<feature name="org.x86rr.system">\n`;
  for (let n = FIRST_SYSTEM; n < REGS.length; n++) sys += reg(n);
  sys += `</feature>\n`;
  return `<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n<architecture>i386</architecture>\n${core}${sys}</target>\n`;
}

export const TARGET_XML = build();
