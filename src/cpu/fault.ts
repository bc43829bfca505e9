// How a guest fault leaves an instruction — the one mechanism, written down once.
//
// A handler that detects an architectural fault calls `raise(vector, errorCode)`. That fills
// the single preallocated CpuFault and throws it (a plain object, so no stack is captured and
// nothing is allocated). The run loop (cpu.ts) catches it at the instruction boundary, rolls
// EIP and ESP back to their values at instruction start, and delivers the exception.
// Consequence for handlers: do every check (segment, page, privilege) before the first
// architectural side effect; memory writes that might fault come before register writes.
//
// Emulator bugs are never CpuFault: they are EmulatorBug (an Error with a stack).

export class CpuFault {
  vector = 0;
  errorCode = -1; // -1: no error code pushed
  /** Set for #PF: the faulting linear address (goes to CR2 at delivery). */
  cr2 = 0;
}

export const FAULT = new CpuFault();

export function raise(vector: number, errorCode = -1): never {
  FAULT.vector = vector;
  FAULT.errorCode = errorCode;
  throw FAULT;
}

export function raisePageFault(linear: number, errorCode: number): never {
  FAULT.cr2 = linear;
  return raise(14, errorCode);
}

/** An invariant of the emulator itself was violated: a bug in x86rr, never in the guest. */
export class EmulatorBug extends Error {
  constructor(message: string) {
    super(`x86rr internal error: ${message}`);
    this.name = "EmulatorBug";
  }
}

export function assert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new EmulatorBug(message);
}
