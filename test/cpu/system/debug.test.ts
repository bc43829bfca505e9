// Breakpoints from DR0-DR3/DR7 (SDM Vol.3 17.2, 17.3.1): instruction breakpoints are faults
// (pushed IP = the instruction, suppressed by RF), data and I/O breakpoints are traps (pushed IP =
// the next instruction). Real mode: IVT[1] → 0000:2200, a HLT.

import { describe, expect, it } from "vitest";
import { Eflags } from "../../../src/cpu/constants.js";
import { rd16, realHandler, run16 } from "../mov.helpers.js";

const DB_AT = 0x2201;
function real(src: string, setup?: Parameters<typeof run16>[1]) {
  return run16(src, (m) => { realHandler(m.mem, 1, 0x2200); setup?.(m); });
}
const pushedIp = (m: ReturnType<typeof real>) => rd16(m.mem, m.cpu.regs[4] & 0xffff);
/** DR7 for breakpoint n: Ln, RWn, LENn code (00=1, 01=2, 11=4, 10=8 bytes). */
const dr7 = (n: number, rw: number, len: number) => (1 << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n));

describe("instruction breakpoints", () => {
  it("DR0 = 0x1002 (the second mov), DR7.L0 → #DB before it runs: pushed IP 0x1002, AL still 1, DR6.B0", () => {
    const m = real("mov al,1\nmov al,2\nmov al,3", (mm) => { mm.cpu.dr[0] = 0x1002; mm.cpu.dr[7] = 0x400 | dr7(0, 0, 0); mm.cpu.dbgExecLive = true; });
    expect(m.cpu.eip).toBe(DB_AT);
    expect(pushedIp(m)).toBe(0x1002);
    expect(m.cpu.regs[0] & 0xff).toBe(1);
    expect(m.cpu.dr[6] & 0xf).toBe(1);
  });
  it("breakpoint set by the guest with mov dr0/dr7 is honoured on the following instructions", () => {
    const src = "mov eax,brk\nmov dr0,eax\nmov eax,1\nmov dr7,eax\nmov al,1\nbrk: mov al,2";
    const m = real(src);
    expect(m.cpu.eip).toBe(DB_AT);
    expect(m.cpu.regs[0] & 0xff).toBe(1);
    expect(pushedIp(m)).toBe(0x1000 + 6 + 3 + 6 + 3 + 2);
  });
  it("EFLAGS.RF=1 at the breakpoint: the instruction runs, RF is cleared after it", () => {
    const m = real("mov al,1\nmov al,2", (mm) => {
      mm.cpu.dr[0] = 0x1000; mm.cpu.dr[7] = 0x400 | dr7(0, 0, 0); mm.cpu.dbgExecLive = true; mm.cpu.flags |= Eflags.RF;
    });
    expect(m.cpu.eip).toBe(0x1005);
    expect(m.cpu.regs[0] & 0xff).toBe(2);
    expect(m.cpu.flags & Eflags.RF).toBe(0);
  });
  it("a disabled breakpoint (L0=G0=0, address matching) does nothing", () => {
    const m = real("mov al,1\nmov al,2", (mm) => { mm.cpu.dr[0] = 0x1002; });
    expect(m.cpu.eip).toBe(0x1005);
  });
});

describe("data breakpoints", () => {
  const wr4 = dr7(1, 1, 3); // DR1: write, 4 bytes
  it("write breakpoint DR1=0x3000 len 4: mov word [0x3002],5 → #DB trap after it (pushed IP 0x1006), memory written, DR6.B1", () => {
    const src = "mov eax,0x3000\nmov dr1,eax\nmov eax," + (0x400 | wr4) + "\nmov dr7,eax\nw: mov word [0x3002],5\nmov al,2";
    const g = real(src);
    expect(g.cpu.eip).toBe(DB_AT);
    expect(pushedIp(g)).toBe(0x1000 + 6 + 3 + 6 + 3 + 6);
    expect(rd16(g.mem, 0x3002)).toBe(5);
    expect(g.cpu.dr[6] & 0xf).toBe(2);
  });
  it("the breakpoint page was already in the TLB before DR7 was set: the write still traps", () => {
    const src = "mov word [0x3010],1\nmov eax,0x3000\nmov dr1,eax\nmov eax," + (0x400 | wr4) + "\nmov dr7,eax\nmov word [0x3000],7\nmov al,2";
    const g = real(src);
    expect(g.cpu.eip).toBe(DB_AT);
    expect(rd16(g.mem, 0x3000)).toBe(7);
  });
  it("write breakpoint: a read of the same bytes (mov ax,[0x3000]) does not trap; a write to 0x3004 (outside len 4) does not trap", () => {
    const src = "mov eax,0x3000\nmov dr1,eax\nmov eax," + (0x400 | wr4) + "\nmov dr7,eax\nmov ax,[0x3000]\nmov byte [0x3004],1\nmov al,9";
    const g = real(src);
    expect(g.cpu.eip).not.toBe(DB_AT);
    expect(g.cpu.regs[0] & 0xff).toBe(9);
  });
  it("read/write breakpoint (RW=11) len 2 at 0x3001 (aligned down to 0x3000): mov al,[0x3000] → trap", () => {
    const src = "mov eax,0x3001\nmov dr3,eax\nmov eax," + (0x400 | dr7(3, 3, 1)) + "\nmov dr7,eax\nmov al,[0x3000]\nmov bl,1";
    const g = real(src);
    expect(g.cpu.eip).toBe(DB_AT);
    expect(g.cpu.dr[6] & 0xf).toBe(8);
    expect(g.cpu.regs[3] & 0xff).toBe(0);
  });
});

describe("data breakpoints in repeated string instructions", () => {
  it("rep stosb over 0x3000-0x300f, write breakpoint at 0x3008 (len 1): #DB after the 9th iteration, IP still at the REP, CX=7, DI=0x3009", () => {
    const src = "mov eax,0x3008\nmov dr1,eax\nmov eax," + (0x400 | dr7(1, 1, 0)) + "\nmov dr7,eax\n" +
      "xor ax,ax\nmov es,ax\nmov di,0x3000\nmov cx,16\nmov al,0xaa\nrs: rep stosb\nmov bl,1";
    const g = real(src);
    expect(g.cpu.eip).toBe(DB_AT);
    expect(pushedIp(g)).toBe(0x1000 + 6 + 3 + 6 + 3 + 2 + 2 + 3 + 3 + 2);
    expect([g.cpu.regs[1] & 0xffff, g.cpu.regs[7] & 0xffff]).toEqual([7, 0x3009]);
    expect(g.mem.bytes[0x3008]).toBe(0xaa);
    expect(g.mem.bytes[0x3009]).toBe(0);
    expect(g.cpu.dr[6] & 0xf).toBe(2);
  });
});

describe("I/O breakpoints", () => {
  it("CR4.DE=1, DR2=0x80 RW=10: out 0x80,al → the OUT happens, then #DB trap with DR6.B2", () => {
    const src = "mov eax,8\nmov cr4,eax\nmov eax,0x80\nmov dr2,eax\nmov eax," + (0x400 | dr7(2, 2, 0)) + "\nmov dr7,eax\nout 0x80,al\nmov bl,1";
    const g = real(src);
    expect(g.cpu.eip).toBe(DB_AT);
    expect(g.host.out.map((o) => o.port)).toEqual([0x80]);
    expect(g.cpu.dr[6] & 0xf).toBe(4);
    expect(g.cpu.regs[3] & 0xff).toBe(0);
  });
  it("CR4.DE=0: RW=10 is not an I/O breakpoint, out 0x80 does not trap", () => {
    const src = "mov eax,0x80\nmov dr2,eax\nmov eax," + (0x400 | dr7(2, 2, 0)) + "\nmov dr7,eax\nout 0x80,al\nmov bl,1";
    const g = real(src);
    expect(g.cpu.eip).not.toBe(DB_AT);
    expect(g.cpu.regs[3] & 0xff).toBe(1);
  });
});
