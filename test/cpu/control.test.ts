import { describe, expect, it } from "vitest";
import { Desc, Reg, Seg } from "../../src/cpu/constants.js";
import { load, makeCpu, real16, runToHalt } from "./harness.js";
import { nasm, rd16, rd32, realHandler, run16, run32 } from "./mov.helpers.js";

const CC = ["o", "no", "b", "nb", "z", "nz", "be", "nbe", "s", "ns", "p", "np", "l", "nl", "le", "nle"];

/**
 * The SDM Vol.1 Appendix B condition table evaluated over flags computed independently here from
 * the definition of SUB (a − b at 32 bits): bit i of the result is condition i.
 */
function expectedCC(a: number, b: number): number {
  const ua = a >>> 0, ub = b >>> 0;
  const r = (ua - ub) >>> 0;
  const cf = ua < ub, zf = r === 0, sf = r >= 0x80000000;
  const sa = ua >= 0x80000000, sb = ub >= 0x80000000;
  const of = sa !== sb && sf !== sa;
  let bits = 0;
  for (let k = r & 0xff; k; k >>= 1) bits += k & 1;
  const pf = bits % 2 === 0;
  const base = [of, cf, zf, cf || zf, sf, pf, sf !== of, zf || sf !== of];
  let mask = 0;
  for (let i = 0; i < 16; i++) if (base[i >> 1] !== ((i & 1) === 1)) mask |= 1 << i;
  return mask;
}

/** For each cc: cmp a,b then jcc (short or near): EDI collects which were taken. */
function jccProgram(a: number, b: number, near: boolean): string {
  const lines = ["xor edi,edi"];
  CC.forEach((c, i) => {
    lines.push(`mov eax,${a >>> 0}`, `cmp eax,${b >>> 0}`, `j${c} ${near ? "near" : "short"} t${i}`, `jmp short n${i}`, `t${i}: or edi,${1 << i}`, `n${i}:`);
  });
  return lines.join("\n");
}

describe("Jcc 70-7F and 0F 80-8F", () => {
  const cases: Array<[number, number]> = [
    [1, 2], [2, 1], [5, 5], [0x80000000, 1], [0x7fffffff, 0xffffffff], [0, 0x80000000], [0xffffffff, 0xfffffffe], [3, 0x103],
  ];
  for (const [a, b] of cases) {
    it(`cmp 0x${a.toString(16)},0x${b.toString(16)} then all 16 jcc short (7x) and near (0f 8x) → taken set = SDM B.1 table`, () => {
      const want = expectedCC(a, b);
      expect(run32(jccProgram(a, b, false)).cpu.regs[Reg.EDI]).toBe(want);
      expect(run32(jccProgram(a, b, true)).cpu.regs[Reg.EDI]).toBe(want);
    });
  }
  it("add eax,1 at 0x7fffffff (OF=1 SF=1) → jo taken, jl not taken (SF=OF), js taken", () => {
    const { cpu } = run32("xor edi,edi\nmov eax,0x7fffffff\nadd eax,1\njno a\nlea edi,[edi+1]\na: jl b\nlea edi,[edi+2]\nb: jns c\nlea edi,[edi+4]\nc:");
    expect(cpu.regs[Reg.EDI]).toBe(7);
  });
  it("dec ecx 1→0 after stc (CF kept 1) → jz and jbe taken, ja not", () => {
    const { cpu } = run32("xor edi,edi\nmov ecx,1\nstc\ndec ecx\njnz a\nlea edi,[edi+1]\na: jnbe b\nlea edi,[edi+2]\nb: jb c\njmp d\nc: lea edi,[edi+4]\nd:");
    expect(cpu.regs[Reg.EDI]).toBe(7);
  });
  it("test al,0x03 with AL=0x01 → parity of 0x01 is odd: jp not taken, jnp taken", () => {
    const { cpu } = run32("xor edi,edi\nmov eax,1\ntest al,3\njp a\nlea edi,[edi+1]\na: jnp b\njmp c\nb: lea edi,[edi+2]\nc:");
    expect(cpu.regs[Reg.EDI]).toBe(3);
  });
  it("0f 84 with 66 prefix in 32-bit code at 0xfff0: jz rel16 +0x20 → EIP 0xfff7+0x20 wraps to 0x0017", () => {
    const { cpu, mem } = makeCpu();
    const code = nasm("xor eax,eax\ndb 0x66,0x0f,0x84\ndw 0x20", 32, 0xfff0); // 2 + 5 bytes → next EIP 0xfff7
    load(mem, 0xfff0, code);
    load(mem, (0xfff7 + 0x20) & 0xffff, [0xf4]);
    load(mem, 0xfff7 + 0x20, [0x90, 0xf4]); // reached only if EIP were not truncated
    run32Flat(cpu, 0xfff0);
    expect(cpu.eip).toBe(((0xfff7 + 0x20) & 0xffff) + 1);
  });
});

/** Flat 32-bit protected mode like harness.flat32, but at any EIP, then run to HLT. */
function run32Flat(cpu: ReturnType<typeof makeCpu>["cpu"], eip: number): void {
  cpu.cr0 |= 1;
  const code = Desc.P | Desc.S | Desc.CODE | Desc.RW | Desc.A | (1 << 14) | (1 << 15);
  const data = Desc.P | Desc.S | Desc.RW | Desc.A | (1 << 14) | (1 << 15);
  for (let s = 0; s < 6; s++) cpu.setSegCache(s, s === Seg.CS ? 8 : 16, 0, -1, s === Seg.CS ? code : data);
  cpu.eip = eip;
  cpu.regs[Reg.ESP] = 0x80000;
  cpu.updateMode();
  runToHalt(cpu);
}

describe("JMP near", () => {
  it("eb/e9 jmp short/near forward and backward → lands on the target", () => {
    const { cpu } = run32("xor eax,eax\njmp short a\nmov eax,1\na: jmp near b\nmov eax,2\nc: add eax,10\njmp short d\nb: add eax,5\njmp c\nd:");
    expect(cpu.regs[Reg.EAX]).toBe(15);
  });
  it("ff e0 jmp eax / ff 23 jmp [ebx] → absolute indirect targets", () => {
    const { cpu } = run32("mov eax,t1\njmp eax\nhlt\nt1: mov ebx,0x2000\nmov dword [ebx],t2\njmp [ebx]\nhlt\nt2: mov ecx,0x77");
    expect(cpu.regs[Reg.ECX]).toBe(0x77);
  });
  it("66 ff e0 jmp ax in 32-bit code: EAX=0x12340500 → EIP=0x0500", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, nasm("mov eax,0x12340500\njmp ax", 32));
    load(m.mem, 0x500, [0xf4]);
    run32Flat(m.cpu, 0x1000);
    expect(m.cpu.eip).toBe(0x501);
  });
  it("real mode with CS.limit=0x1fff: e9 jmp 0x3000 → #GP(0) before EIP changes; pushed IP is the JMP", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, nasm("mov ax,1\njmp 0x3000", 16));
    load(m.mem, 0x3000, [0xf4]);
    real16(m.cpu, 0, 0x1000);
    m.cpu.setSegCache(Seg.CS, 0, 0, 0x1fff, Desc.P | Desc.S | Desc.RW | Desc.A | Desc.CODE);
    realHandler(m.mem, 13, 0x1800);
    runToHalt(m.cpu);
    expect(m.cpu.eip).toBe(0x1801);
    expect(rd16(m.mem, m.cpu.regs[Reg.ESP] & 0xffff)).toBe(0x1003); // IP of the jmp (after mov ax,1)
    expect(m.cpu.icount).toBe(2); // mov, handler hlt; the faulting jmp did not retire
  });
});

describe("CALL / RET near", () => {
  it("e8 call / c3 ret: pushes the next EIP, returns to it", () => {
    const { cpu, mem } = run32("mov esp,0x8000\ncall f\nmov ebx,[0x7ffc]\njmp done\nf: mov eax,[esp]\nret\ndone:");
    const retAddr = 0x1000 + 5 + 5;
    expect(cpu.regs[Reg.EAX]).toBe(retAddr);
    expect(cpu.regs[Reg.EBX]).toBe(retAddr);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
    expect(rd32(mem, 0x7ffc)).toBe(retAddr);
  });
  it("c2 08 00 ret 8 → pops EIP then releases 8 bytes", () => {
    const { cpu } = run32("mov esp,0x8000\npush 1\npush 2\ncall f\njmp done\nf: ret 8\ndone:");
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
  });
  it("ff d0 call eax / ff 14 24 call [esp]: the memory operand is read with ESP before the push", () => {
    const { cpu } = run32("mov esp,0x8000\nmov eax,f\ncall eax\npush g\ncall [esp]\nadd esp,4\njmp done\nf: inc ecx\nret\ng: add ecx,10\nmov edx,[esp]\nret\ndone:", (m) => { m.cpu.regs[Reg.ECX] = 0; });
    expect(cpu.regs[Reg.ECX]).toBe(11);
    expect(cpu.regs[Reg.ESP]).toBe(0x8000);
    // call [esp] pushed its return address below the pushed target; g saw it at [esp].
    expect(cpu.regs[2]).toBe(0x1000 + 5 + 5 + 2 + 5 + 3);
  });
  it("real mode e8 call: pushes 16-bit IP, SP −2; c3 ret pops it", () => {
    const { cpu, mem } = run16("mov sp,0x8000\ncall f\njmp done\nf: mov bx,sp\nmov ax,[bx]\nret\ndone:");
    expect(cpu.regs[Reg.EAX] & 0xffff).toBe(0x1003 + 3);
    expect(cpu.regs[Reg.ESP] & 0xffff).toBe(0x8000);
    expect(rd16(mem, 0x7ffe)).toBe(0x1006);
  });
  it("66 c3 o16 ret in 32-bit code: pops 2 bytes, EIP = zero-extended word", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, nasm("mov esp,0x8000\npush word 0x0600\no16 ret", 32));
    load(m.mem, 0x600, [0xf4]);
    run32Flat(m.cpu, 0x1000);
    expect(m.cpu.eip).toBe(0x601);
    expect(m.cpu.regs[Reg.ESP]).toBe(0x8000);
  });
  it("real mode CS.limit=0x1fff: call 0x3000 → #GP with nothing pushed; ret to 0x3000 → #GP with SP restored", () => {
    for (const [src, wantSp] of [["mov sp,0x8000\ncall 0x3000", 0x8000 - 6], ["mov sp,0x8000\npush 0x3000\nret", 0x7ffe - 6]] as const) {
      const m = makeCpu();
      load(m.mem, 0x1000, nasm(src, 16));
      m.mem.view.setUint16(0x7ffc, 0xabcd, true);
      real16(m.cpu, 0, 0x1000);
      m.cpu.setSegCache(Seg.CS, 0, 0, 0x1fff, Desc.P | Desc.S | Desc.RW | Desc.A | Desc.CODE);
      realHandler(m.mem, 13, 0x1800);
      runToHalt(m.cpu);
      expect(m.cpu.eip).toBe(0x1801);
      // #GP delivery pushed FLAGS, CS, IP (6 bytes) on the SP the faulting instruction started with.
      expect(m.cpu.regs[Reg.ESP] & 0xffff).toBe(wantSp);
    }
  });
});

describe("LOOP / LOOPE / LOOPNE / JCXZ", () => {
  it("e2 loop: ECX=5 summing → EAX=15, ECX=0; 5 body passes", () => {
    const { cpu } = run32("mov ecx,5\nxor eax,eax\nl: add eax,ecx\nloop l");
    expect(cpu.regs[Reg.EAX]).toBe(15);
    expect(cpu.regs[Reg.ECX]).toBe(0);
    expect(cpu.icount).toBe(2 + 5 * 2 + 1);
  });
  it("67 e2 a16 loop: ECX=0x10003 → counts CX only (3 passes), ECX=0x10000", () => {
    const { cpu } = run32("mov ecx,0x10003\nxor eax,eax\nl: inc eax\na16 loop l");
    expect(cpu.regs[Reg.EAX]).toBe(3);
    expect(cpu.regs[Reg.ECX]).toBe(0x10000);
  });
  it("67 e2 a16 loop with CX=0 → CX becomes 0xffff and the branch is taken", () => {
    const m = makeCpu();
    load(m.mem, 0x1000, nasm("mov ecx,0x50000\na16 loop t\nhlt\nt: hlt", 32));
    run32Flat(m.cpu, 0x1000);
    expect(m.cpu.regs[Reg.ECX]).toBe(0x5ffff);
    expect(m.cpu.eip).toBe(0x1000 + 5 + 3 + 1 + 1);
  });
  it("e1 loope: scan while bytes equal 7 → stops at the first non-7 with ZF=0", () => {
    const { cpu } = run32("mov ebx,0x2000-1\nmov ecx,10\nl: inc ebx\ncmp byte [ebx],7\nloope l", (m) => { m.mem.bytes.set([7, 7, 7, 9, 7], 0x2000); });
    expect(cpu.regs[Reg.EBX]).toBe(0x2003);
    expect(cpu.regs[Reg.ECX]).toBe(6);
  });
  it("e0 loopne: scan until byte == 0 → stops on the zero with ECX decremented per pass", () => {
    const { cpu } = run32("mov ebx,0x2000-1\nmov ecx,10\nl: inc ebx\ncmp byte [ebx],0\nloopne l", (m) => { m.mem.bytes.set([1, 2, 0, 4], 0x2000); });
    expect(cpu.regs[Reg.EBX]).toBe(0x2002);
    expect(cpu.regs[Reg.ECX]).toBe(7);
  });
  it("e3 jecxz with ECX=0x10000 → not taken; 67 e3 jcxz → taken (CX=0)", () => {
    const { cpu } = run32("xor edi,edi\nmov ecx,0x10000\njecxz a\nor edi,1\na: a16 jcxz b\njmp c\nb: or edi,2\nc:");
    expect(cpu.regs[Reg.EDI]).toBe(3);
  });
  it("real mode e3 jcxz taken with CX=0 and 67 e3 jecxz on ECX=0x10000 not taken", () => {
    const { cpu } = run16("xor di,di\nmov ecx,0x10000\njcxz a\nor di,1\na: jecxz b\nor di,2\nb:");
    expect(cpu.regs[Reg.EDI]).toBe(2);
  });
  it("real mode loop with CS.limit=0x1fff and a target beyond it → #GP, CX not decremented", () => {
    const m = makeCpu();
    load(m.mem, 0x1f80, nasm("mov cx,5\ndb 0xe2,0x7f", 16, 0x1f80)); // loop → 0x1f85+0x7f = 0x2004
    real16(m.cpu, 0, 0x1f80);
    m.cpu.setSegCache(Seg.CS, 0, 0, 0x1fff, Desc.P | Desc.S | Desc.RW | Desc.A | Desc.CODE);
    realHandler(m.mem, 13, 0x1800);
    runToHalt(m.cpu);
    expect(m.cpu.eip).toBe(0x1801);
    expect(m.cpu.regs[Reg.ECX] & 0xffff).toBe(5);
  });
});
