import { describe, expect, it } from "vitest";
import { Reg } from "../../src/cpu/constants.js";
import { rd16, rd32, run16, run32, u32 } from "./mov.helpers.js";

describe("PUSH / POP", () => {
  it("50 push eax / 5b pop ebx: ESP −4 then +4, value moved through [0x7ffc]", () => {
    const { cpu, mem } = run32("mov esp,0x8000\nmov eax,0xcafef00d\npush eax\nmov edx,esp\npop ebx");
    expect(u32(cpu.regs[Reg.EBX])).toBe(0xcafef00d);
    expect(cpu.regs[Reg.EDX]).toBe(0x7ffc);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
    expect(rd32(mem, 0x7ffc)).toBe(0xcafef00d);
  });
  it("54 push esp → pushes the value ESP had before the push (0x8000)", () => {
    const { cpu, mem } = run32("mov esp,0x8000\npush esp");
    expect(rd32(mem, 0x7ffc)).toBe(0x8000);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ffc);
  });
  it("5c pop esp → ESP = popped value (the increment is overwritten)", () => {
    const { cpu } = run32("mov esp,0x8000\npush dword 0x12340\npop esp");
    expect(cpu.regs[Reg.ESP]).toBe(0x12340);
  });
  it("66 50 push ax / 66 5a pop dx in 32-bit code: 2-byte slots, upper EDX kept", () => {
    const { cpu, mem } = run32("mov esp,0x8000\nmov eax,0x11112222\nmov edx,0x33334444\npush ax\nmov ecx,esp\npop dx");
    expect(cpu.regs[Reg.ECX]).toBe(0x7ffe);
    expect(rd16(mem, 0x7ffe)).toBe(0x2222);
    expect(u32(cpu.regs[Reg.EDX])).toBe(0x33332222);
  });
  it("6a ff push -1 → 0xffffffff (sign-extended Ibs); 68 push imm32; 66 6a 80 push word -128 → 0xff80", () => {
    const { mem, cpu } = run32("mov esp,0x8000\npush byte -1\npush dword 0x12345678\npush word -128");
    expect(rd32(mem, 0x7ffc)).toBe(0xffffffff);
    expect(rd32(mem, 0x7ff8)).toBe(0x12345678);
    expect(rd16(mem, 0x7ff6)).toBe(0xff80);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ff6);
  });
  it("ff 34 24 push dword [esp] → duplicates the top (address from the old ESP)", () => {
    const { mem, cpu } = run32("mov esp,0x8000\npush dword 0xabc\npush dword [esp]");
    expect(rd32(mem, 0x7ff8)).toBe(0xabc);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ff8);
  });
  it("8f 44 24 04 pop dword [esp+4]: address computed with ESP already incremented → lands 8 above the old top", () => {
    // [0x7ff4]=A [0x7ff8]=B [0x7ffc]=C; pop: value A, ESP=0x7ff8, store at 0x7ff8+4 = 0x7ffc.
    const { mem, cpu } = run32("mov esp,0x8000\npush dword 0xc\npush dword 0xb\npush dword 0xa\npop dword [esp+4]");
    expect(cpu.regs[Reg.ESP]).toBe(0x7ff8);
    expect(rd32(mem, 0x7ffc)).toBe(0xa);
    expect(rd32(mem, 0x7ff8)).toBe(0xb);
  });
  it("8f 04 24 pop dword [esp] → value stored at the new top", () => {
    const { mem, cpu } = run32("mov esp,0x8000\npush dword 0x2\npush dword 0x1\npop dword [esp]");
    expect(cpu.regs[Reg.ESP]).toBe(0x7ffc);
    expect(rd32(mem, 0x7ffc)).toBe(1);
  });
  it("8f c1 pop ecx (register form of 8F /0) → ECX = popped", () => {
    const { cpu } = run32("mov esp,0x8000\npush dword 0x99\ndb 0x8f,0xc1");
    expect(cpu.regs[Reg.ECX]).toBe(0x99);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
  });
  it("real mode 16-bit stack wraps: SP=0 push ax → writes 0xfffe, SP=0xfffe", () => {
    const { cpu, mem } = run16("mov sp,0\nmov ax,0x1357\npush ax");
    expect(cpu.regs[Reg.ESP]).toBe(0xfffe);
    expect(rd16(mem, 0xfffe)).toBe(0x1357);
  });
  it("real mode ff 36 00 20 push word [0x2000] / 8f 06 02 20 pop word [0x2002]", () => {
    const { mem } = run16("mov sp,0x8000\npush word [0x2000]\npop word [0x2002]", (m) => m.mem.view.setUint16(0x2000, 0x4321, true));
    expect(rd16(mem, 0x2002)).toBe(0x4321);
  });
});

describe("PUSHA / POPA", () => {
  it("60 pushad: EAX ECX EDX EBX original-ESP EBP ESI EDI at descending addresses", () => {
    const { mem, cpu } = run32("mov esp,0x8000\nmov eax,1\nmov ecx,2\nmov edx,3\nmov ebx,4\nmov ebp,6\nmov esi,7\nmov edi,8\npushad");
    const got = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => rd32(mem, 0x7ffc - 4 * i));
    expect(got).toEqual([1, 2, 3, 4, 0x8000, 6, 7, 8]);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000 - 32);
  });
  it("61 popad: loads EDI..EAX, skips the ESP slot, ESP += 32", () => {
    const { cpu } = run32("mov esp,0x7fe0\npopad", (m) => {
      [8, 7, 6, 0xdead, 4, 3, 2, 1].forEach((v, i) => m.mem.view.setUint32(0x7fe0 + 4 * i, v, true));
    });
    expect([Reg.EDI, Reg.ESI, Reg.EBP, Reg.EBX, Reg.EDX, Reg.ECX, Reg.EAX].map((r) => cpu.regs[r])).toEqual([8, 7, 6, 4, 3, 2, 1]);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
  });
  it("real mode 60 pusha / 61 popa with 16-bit slots; upper register halves kept by popa", () => {
    const { cpu, mem } = run16("mov sp,0x8000\nmov ax,0x11\nmov cx,0x22\nmov bp,0x66\npusha\nmov eax,0xffff0000\nmov ebp,0xabcd0000\npopa");
    expect(rd16(mem, 0x7ffe)).toBe(0x11);
    expect(rd16(mem, 0x7ff6)).toBe(0x8000);
    expect(u32(cpu.regs[Reg.EAX])).toBe(0xffff0011);
    expect(u32(cpu.regs[Reg.EBP])).toBe(0xabcd0066);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
  });
});

describe("ENTER / LEAVE", () => {
  it("c8 10 00 00 enter 16,0 → push ebp; ebp=esp; esp-=16", () => {
    const { cpu, mem } = run32("mov esp,0x8000\nmov ebp,0x9000\nenter 16,0");
    expect(rd32(mem, 0x7ffc)).toBe(0x9000);
    expect(cpu.regs[Reg.EBP]).toBe(0x7ffc);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ffc - 16);
  });
  it("c8 08 00 01 enter 8,1 → pushes ebp then the new frame pointer; esp = frame − 4 − 8", () => {
    const { cpu, mem } = run32("mov esp,0x8000\nmov ebp,0x9000\nenter 8,1");
    expect(rd32(mem, 0x7ffc)).toBe(0x9000);
    expect(rd32(mem, 0x7ff8)).toBe(0x7ffc);
    expect(cpu.regs[Reg.EBP]).toBe(0x7ffc);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ff8 - 8);
  });
  it("c8 04 00 03 enter 4,3 → copies [ebp−4] and [ebp−8] of the old frame, then the new frame pointer", () => {
    const { cpu, mem } = run32("mov esp,0x8000\nmov ebp,0x9000\nenter 4,3", (m) => {
      m.mem.view.setUint32(0x9000 - 4, 0xaaaa, true);
      m.mem.view.setUint32(0x9000 - 8, 0xbbbb, true);
    });
    expect([0x7ffc, 0x7ff8, 0x7ff4, 0x7ff0].map((a) => rd32(mem, a))).toEqual([0x9000, 0xaaaa, 0xbbbb, 0x7ffc]);
    expect(cpu.regs[Reg.EBP]).toBe(0x7ffc);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ff0 - 4);
  });
  it("c8 00 00 21 enter 0,33 → level masked to 1", () => {
    const { cpu, mem } = run32("mov esp,0x8000\nmov ebp,0x9000\nenter 0,33");
    expect(rd32(mem, 0x7ff8)).toBe(0x7ffc);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ff8);
  });
  it("real mode c8 06 00 02 enter 6,2 → 16-bit slots from [bp−2]", () => {
    const { cpu, mem } = run16("mov sp,0x8000\nmov bp,0x9000\nenter 6,2", (m) => m.mem.view.setUint16(0x9000 - 2, 0x5555, true));
    expect([0x7ffe, 0x7ffc, 0x7ffa].map((a) => rd16(mem, a))).toEqual([0x9000, 0x5555, 0x7ffe]);
    expect(cpu.regs[Reg.EBP]).toBe(0x7ffe);
    expect(cpu.regs[Reg.ESP]).toBe(0x7ffa - 6);
  });
  it("c9 leave undoes enter 16,0: ESP=EBP, pop EBP", () => {
    const { cpu } = run32("mov esp,0x8000\nmov ebp,0x9000\nenter 16,0\nleave");
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
    expect(cpu.regs[Reg.EBP]).toBe(0x9000);
  });
  it("real mode c9 leave with ESP=0x12348000: SP ← BP (upper ESP kept), BP popped", () => {
    const { cpu } = run16("mov esp,0x12340000\nmov ebp,0x5678100\nleave", (m) => m.mem.view.setUint16(0x8100, 0x4444, true));
    expect(u32(cpu.regs[Reg.ESP])).toBe(0x12348102);
    expect(u32(cpu.regs[Reg.EBP])).toBe(0x05674444);
  });
});
