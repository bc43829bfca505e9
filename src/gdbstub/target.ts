// The stub's view of what it debugs (layered as in the gdbstub crate): a base target with
// registers, memory, breakpoints and resumption in slices, plus optional capabilities
// (reverse execution, monitor commands) the stub advertises only when present.

/** Why the target stopped, as the stop reply will say it. */
export type StopReason =
  | { kind: "signal"; signal: number }
  | { kind: "swbreak" }
  | { kind: "hwbreak" }
  | { kind: "watch"; type: "watch" | "rwatch" | "awatch"; addr: number }
  | { kind: "exited"; code: number }
  | { kind: "replaylog"; end: "begin" | "end" }
  | { kind: "terminated"; why: string };

export const SIGINT = 2, SIGTRAP = 5;

/** Z/z packet types (gdb manual, "Packets": Z0 software, Z1 hardware, Z2 write, Z3 read, Z4 access). */
export const enum BpType { SW = 0, HW = 1, WRITE = 2, READ = 3, ACCESS = 4 }

export type ResumeMode = "continue" | "step" | "reverseContinue";

export interface Target {
  readonly registerCount: number;
  readRegister(n: number): Uint8Array | null;
  writeRegister(n: number, bytes: Uint8Array): boolean;
  /** Guest-virtual read; shorter than `len` where memory is unreadable. */
  readMemory(addr: number, len: number): Uint8Array;
  writeMemory(addr: number, bytes: Uint8Array): boolean;
  addBreakpoint(type: BpType, addr: number, len: number): boolean;
  removeBreakpoint(type: BpType, addr: number, len: number): boolean;
  /** Prepares to resume; then runSlice() is called until it returns a stop. */
  resume(mode: ResumeMode): void;
  /** Runs at most about `budget` instructions; null while still running. */
  runSlice(budget: number): StopReason | null;
  /** ^C arrived while running: settle in a consistent place (the stub then reports SIGINT). */
  interrupt?(): void;
  /** Optional capabilities. */
  reverse?: ReverseTarget;
  monitor?: (command: string) => string;
}

/** Reverse execution (bs / bc packets); a target with it also accepts resume("reverseContinue"). */
export interface ReverseTarget {
  reverseStep(): StopReason;
  reverseContinue(): StopReason;
}
