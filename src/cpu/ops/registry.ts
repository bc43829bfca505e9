// Handler registry: implementations register under the names the opcode table derives
// (see table.ts), and buildDispatch() turns them into the flat dispatch array the run loop
// indexes with D_HANDLER. Every table name without an implementation dispatches to
// `unimplemented`, which reports the instruction once and raises #UD.

import type { Cpu } from "../cpu.js";
import { Exc } from "../constants.js";
import { IMPL_ENTRY, IMPL_NAMES, Rec } from "../decoder.js";
import { raise, EmulatorBug } from "../fault.js";

/** An instruction implementation: `d` is the index of its decoded record in cpu.dec. */
export type Handler = (cpu: Cpu, d: number) => void;

const defs = new Map<string, [Handler, Handler]>();
const regDefs = new Map<string, [Handler, Handler]>();

/**
 * Registers the implementation of table name `name`: `fn16` for 16-bit operand size,
 * `fn32` for 32-bit (the same function when omitted, e.g. byte forms).
 */
export function defineOp(name: string, fn16: Handler, fn32: Handler = fn16): void {
  if (defs.has(name)) throw new EmulatorBug(`handler ${name} defined twice`);
  if (!IMPL_NAMES.includes(name)) throw new EmulatorBug(`handler ${name} has no entry in the opcode table`);
  defs.set(name, [fn16, fn32]);
}

/**
 * Registers a faster variant of `name` for its register form (modrm.mod = 3), chosen once at
 * decode time so the hot register-to-register forms skip the memory-operand path. Optional:
 * without it the general handler serves both forms.
 */
export function defineRegForm(name: string, fn16: Handler, fn32: Handler = fn16): void {
  if (regDefs.has(name)) throw new EmulatorBug(`register form of ${name} defined twice`);
  if (!IMPL_NAMES.includes(name)) throw new EmulatorBug(`handler ${name} has no entry in the opcode table`);
  regDefs.set(name, [fn16, fn32]);
}

export function isDefined(name: string): boolean {
  return defs.has(name);
}

function unimplemented(cpu: Cpu, d: number): void {
  const id = cpu.dec[d] >> 2;
  cpu.noteUnimplemented(`${IMPL_ENTRY[id]} (${IMPL_NAMES[id]})`, cpu.dec[d + Rec.OPCODE], cpu.dec[d + Rec.MODRM]);
  raise(Exc.UD);
}

function undefinedOpcode(cpu: Cpu, d: number): void {
  cpu.noteUndefined(cpu.dec[d + Rec.OPCODE], cpu.dec[d + Rec.MODRM]);
  raise(Exc.UD);
}

/** The dispatch array: index implId*4 + (register form ? 2 : 0) + (32-bit operand size ? 1 : 0). */
export function buildDispatch(): Handler[] {
  const out: Handler[] = new Array(IMPL_NAMES.length * 4);
  for (let id = 0; id < IMPL_NAMES.length; id++) {
    const name = IMPL_NAMES[id];
    const def = defs.get(name);
    if (regDefs.has(name) && !def) throw new EmulatorBug(`register form of ${name} defined without the general handler`);
    const fallback = name === "undefined_opcode" ? undefinedOpcode : unimplemented;
    const reg = regDefs.get(name) ?? def;
    out[id * 4] = def ? def[0] : fallback;
    out[id * 4 + 1] = def ? def[1] : fallback;
    out[id * 4 + 2] = reg ? reg[0] : fallback;
    out[id * 4 + 3] = reg ? reg[1] : fallback;
  }
  return out;
}

/** Names from the table that have no implementation yet (for reports and the coverage test). */
export function missingImplementations(): string[] {
  return IMPL_NAMES.filter((n) => n !== "undefined_opcode" && !defs.has(n));
}
