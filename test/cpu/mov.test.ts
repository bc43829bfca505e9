import { describe, expect, it } from "vitest";
import { Desc, Reg, Seg } from "../../src/cpu/constants.js";
import { nasm, rd32, realHandler, run16, run32, u32 } from "./mov.helpers.js";

const DATA32 = Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G;

describe("MOV 88-8B, A0-A3, C6/C7", () => {
  it("89 43 04 / 66 8b 4b 05 / 8a 53 07: mov [ebx+4],eax; mov cx,[ebx+5]; mov dl,[ebx+7] → little-endian slices, upper halves kept", () => {
    const { cpu, mem } = run32("mov eax,0x11223344\nmov ebx,0x2000\nmov ecx,0xaaaaaaaa\nmov edx,0xbbbbbbbb\nmov [ebx+4],eax\nmov cx,[ebx+5]\nmov dl,[ebx+7]");
    expect(rd32(mem, 0x2004)).toBe(0x11223344);
    expect(u32(cpu.regs[Reg.ECX])).toBe(0xaaaa2233);
    expect(u32(cpu.regs[Reg.EDX])).toBe(0xbbbbbb11);
  });
  it("88 e3 mov bl,ah / 66 89 d8 mov ax,bx → byte and word register moves touch only their bits", () => {
    const { cpu } = run32("mov eax,0x12345678\nmov ebx,0xcafebabe\nmov bl,ah\nmov ax,bx", undefined);
    expect(u32(cpu.regs[Reg.EBX])).toBe(0xcafeba56);
    expect(u32(cpu.regs[Reg.EAX])).toBe(0x1234ba56);
  });
  it("a1 / a3 moffs32: mov eax,[0x2000]; mov [0x2010],eax → load and store at the absolute offset", () => {
    const { cpu, mem } = run32("mov eax,[0x2000]\nmov [0x2010],eax", (m) => { m.mem.view.setUint32(0x2000, 0xdeadbeef, true); });
    expect(u32(cpu.regs[Reg.EAX])).toBe(0xdeadbeef);
    expect(rd32(mem, 0x2010)).toBe(0xdeadbeef);
  });
  it("64 a0 10 00 00 00 mov al,[fs:0x10] with FS.base=0x3000 → reads linear 0x3010", () => {
    const { cpu } = run32("mov eax,0xffffff00\nmov al,[fs:0x10]", (m) => {
      m.cpu.setSegCache(Seg.FS, 0x18, 0x3000, -1, DATA32);
      m.mem.bytes[0x3010] = 0x7e;
      m.mem.bytes[0x10] = 0x11;
    });
    expect(u32(cpu.regs[Reg.EAX])).toBe(0xffffff7e);
  });
  it("real mode a1 34 12 mov ax,[0x1234] with DS=0x100 → reads linear 0x2234; a2 mov [0x10],al stores at 0x1010", () => {
    const { cpu, mem } = run16("mov ax,[0x1234]\nmov [0x10],al", (m) => {
      m.cpu.setSegCache(Seg.DS, 0x100, 0x1000, 0xffff, Desc.P | Desc.S | Desc.RW | Desc.A);
      m.mem.view.setUint16(0x2234, 0xbeef, true);
    });
    expect(cpu.regs[Reg.EAX] & 0xffff).toBe(0xbeef);
    expect(mem.bytes[0x1010]).toBe(0xef);
  });
  it("c6 05 .. 5a / 66 c7 05 .. 34 12 / c7 05 .. : mov byte/word/dword [m],imm → stores exactly that width", () => {
    const { mem } = run32("mov dword [0x2000],0xffffffff\nmov dword [0x2004],0xffffffff\nmov byte [0x2000],0x5a\nmov word [0x2004],0x1234\nmov dword [0x2008],0x89abcdef");
    expect(rd32(mem, 0x2000)).toBe(0xffffff5a);
    expect(rd32(mem, 0x2004)).toBe(0xffff1234);
    expect(rd32(mem, 0x2008)).toBe(0x89abcdef);
  });
  it("c6 c1 80 mov cl,0x80 (group form, register operand) → CL=0x80", () => {
    const m = run32("mov ecx,0x11111111\ndb 0xc6,0xc1,0x80");
    expect(u32(m.cpu.regs[Reg.ECX])).toBe(0x11111180);
  });
});

describe("LEA 8D", () => {
  it("8d 44 8b 10 lea eax,[ebx+ecx*4+0x10]: ebx=0x1000 ecx=3 → 0x101c, no memory access", () => {
    const { cpu } = run32("mov ebx,0x1000\nmov ecx,3\nlea eax,[ebx+ecx*4+0x10]");
    expect(cpu.regs[Reg.EAX]).toBe(0x101c);
  });
  it("66 8d 44 8b 10 lea ax,[ebx+ecx*4+0x10]: 32-bit address 0x1234fffc truncated into AX, upper EAX kept", () => {
    const { cpu } = run32("mov eax,0x77770000\nmov ebx,0x1234ffe0\nmov ecx,3\nlea ax,[ebx+ecx*4+0x10]");
    expect(u32(cpu.regs[Reg.EAX])).toBe(0x7777fffc);
  });
  it("67 8d 40 10 lea eax,[bx+si+0x10]: 16-bit address wraps 0xfff0+0x20+0x10 → 0x0020, zero-extended", () => {
    const { cpu } = run32("mov eax,-1\nmov ebx,0x5fff0\nmov esi,0x20\nlea eax,[bx+si+0x10]");
    expect(cpu.regs[Reg.EAX]).toBe(0x20);
  });
  it("8d c0 (register operand) → #UD", () => {
    const m = run16("db 0x8d,0xc0\nmov ax,1", (mm) => realHandler(mm.mem, 6, 0x3000));
    expect(m.cpu.eip).toBe(0x3001);
    expect(m.cpu.regs[Reg.EAX] & 0xffff).toBe(0);
  });
});

describe("XCHG, NOP, PAUSE", () => {
  it("87 03 xchg [ebx],eax → memory and register swapped", () => {
    const { cpu, mem } = run32("mov ebx,0x2000\nmov dword [ebx],0x11111111\nmov eax,0x22222222\nxchg [ebx],eax");
    expect(cpu.regs[Reg.EAX]).toBe(0x11111111);
    expect(rd32(mem, 0x2000)).toBe(0x22222222);
  });
  it("86 e0 xchg al,ah / 86 0b xchg [ebx],cl → bytes swapped", () => {
    const { cpu, mem } = run32("mov eax,0x1234\nxchg al,ah\nmov ebx,0x2000\nmov byte [ebx],0x99\nmov ecx,0x55\nxchg [ebx],cl");
    expect(cpu.regs[Reg.EAX]).toBe(0x3412);
    expect(cpu.regs[Reg.ECX]).toBe(0x99);
    expect(mem.bytes[0x2000]).toBe(0x55);
  });
  it("91 xchg ecx,eax / 66 92 xchg dx,ax → 32-bit swap; 16-bit swap keeps upper halves", () => {
    const { cpu } = run32("mov eax,0xaaaa1111\nmov ecx,0xbbbb2222\nmov edx,0xcccc3333\nxchg ecx,eax\nxchg dx,ax");
    expect(u32(cpu.regs[Reg.ECX])).toBe(0xaaaa1111);
    expect(u32(cpu.regs[Reg.EAX])).toBe(0xbbbb3333);
    expect(u32(cpu.regs[Reg.EDX])).toBe(0xcccc2222);
  });
  it("66 87 d8 xchg ax,bx (group form) and 87 db xchg ebx,ebx → swap / no change", () => {
    const { cpu } = run32("mov eax,0x10002\nmov ebx,0x30004\ndb 0x66,0x87,0xd8\ndb 0x87,0xdb");
    expect(cpu.regs[Reg.EAX]).toBe(0x10004);
    expect(cpu.regs[Reg.EBX]).toBe(0x30002);
  });
  it("real mode 67 0f 1f 05 00 00 02 00 nop [dword 0x20000] (beyond DS.limit) / 67 0f 18 00 prefetchnta → no memory access, no #GP", () => {
    const m = run16("db 0x67,0x0f,0x1f,0x05\ndd 0x20000\nmov eax,0x20000\ndb 0x67,0x0f,0x18,0x00\nmov bx,1", (mm) => realHandler(mm.mem, 13, 0x3000));
    expect(m.cpu.eip).toBe(0x1000 + 8 + 6 + 4 + 3 + 1);
    expect(m.cpu.regs[Reg.EBX]).toBe(1);
  });
  it("90 nop, 66 90, f3 90 pause → only EIP and icount advance", () => {
    const { cpu } = run32("mov eax,0x12345678\nnop\ndb 0x66,0x90\npause");
    expect(cpu.regs[Reg.EAX]).toBe(0x12345678);
    expect(cpu.eip).toBe(0x1000 + 5 + 1 + 2 + 2 + 1);
    expect(cpu.icount).toBe(5);
  });
});

describe("CBW/CWDE, CWD/CDQ", () => {
  it("66 98 cbw: AL=0x80 → AX=0xff80, upper EAX kept; 98 cwde: AX=0x8000 → 0xffff8000", () => {
    expect(u32(run32("mov eax,0x12340080\ncbw").cpu.regs[Reg.EAX])).toBe(0x1234ff80);
    expect(u32(run32("mov eax,0x12348000\ncwde").cpu.regs[Reg.EAX])).toBe(0xffff8000);
    expect(u32(run32("mov eax,0x12347fff\ncwde").cpu.regs[Reg.EAX])).toBe(0x7fff);
  });
  it("66 99 cwd: AX=0x8000 → DX=0xffff (upper EDX kept); 99 cdq: EAX sign → EDX all ones / zero", () => {
    expect(u32(run32("mov eax,0x8000\nmov edx,0x12340000\ncwd").cpu.regs[Reg.EDX])).toBe(0x1234ffff);
    expect(u32(run32("mov eax,0x80000000\ncdq").cpu.regs[Reg.EDX])).toBe(0xffffffff);
    expect(u32(run32("mov eax,0x7fffffff\nmov edx,-1\ncdq").cpu.regs[Reg.EDX])).toBe(0);
  });
});

describe("XLATB D7", () => {
  it("d7 xlatb: EBX=0x2000 AL=5 → AL=[0x2005]", () => {
    const { cpu } = run32("mov ebx,0x2000\nmov eax,0xffffff05\nxlatb", (m) => { m.mem.bytes[0x2005] = 0x42; });
    expect(u32(cpu.regs[Reg.EAX])).toBe(0xffffff42);
  });
  it("26 d7 es xlatb with ES.base=0x4000 → reads linear 0x6005", () => {
    const { cpu } = run32("mov ebx,0x2000\nmov eax,5\nes xlatb", (m) => {
      m.cpu.setSegCache(Seg.ES, 0x18, 0x4000, -1, DATA32);
      m.mem.bytes[0x6005] = 0x43; m.mem.bytes[0x2005] = 0x11;
    });
    expect(cpu.regs[Reg.EAX]).toBe(0x43);
  });
  it("67 d7 a16 xlatb: EBX=0x1fff0 AL=0x20 → BX+AL wraps to 0x0010", () => {
    const { cpu } = run32("mov ebx,0x1fff0\nmov eax,0x20\na16 xlatb", (m) => { m.mem.bytes[0x10] = 0x44; m.mem.bytes[0x20010] = 0x11; });
    expect(cpu.regs[Reg.EAX]).toBe(0x44);
  });
});

describe("MOVZX, MOVSX", () => {
  it("0f b6 / 0f be: byte 0x80 → movzx 0x80, movsx 0xffffff80; 66 0f be → 0xff80 in the low word", () => {
    const { cpu } = run32("mov ebx,0x2000\nmov byte [ebx],0x80\nmovzx eax,byte [ebx]\nmovsx ecx,byte [ebx]\nmov edx,0x55550000\nmovsx dx,byte [ebx]\nmovzx si,bl");
    expect(cpu.regs[Reg.EAX]).toBe(0x80);
    expect(u32(cpu.regs[Reg.ECX])).toBe(0xffffff80);
    expect(u32(cpu.regs[Reg.EDX])).toBe(0x5555ff80);
    expect(cpu.regs[Reg.ESI] & 0xffff).toBe(0x00);
  });
  it("0f b7 / 0f bf: word 0x8001 → movzx 0x8001, movsx 0xffff8001", () => {
    const { cpu } = run32("mov ecx,0x12348001\nmovzx eax,cx\nmovsx edx,cx\nmovsx edi,word [0x2000]", (m) => { m.mem.view.setUint16(0x2000, 0x7fff, true); });
    expect(cpu.regs[Reg.EAX]).toBe(0x8001);
    expect(u32(cpu.regs[Reg.EDX])).toBe(0xffff8001);
    expect(cpu.regs[Reg.EDI]).toBe(0x7fff);
  });
});

describe("CMOVcc, SETcc", () => {
  it("cmp eax,ebx (0x80000000 vs 1: OF=1 SF=0 CF=0) → cmovl taken, cmovb not; false cmov keeps all 32 bits", () => {
    const { cpu } = run32("mov eax,0x80000000\nmov ebx,1\nmov ecx,0xdead0000\nmov edx,0xbeef0000\nmov esi,0x11111111\ncmp eax,ebx\ncmovl ecx,esi\ncmovb edx,esi\ncmovo di,si");
    expect(cpu.regs[Reg.ECX]).toBe(0x11111111);
    expect(u32(cpu.regs[Reg.EDX])).toBe(0xbeef0000);
    expect(cpu.regs[Reg.EDI] & 0xffff).toBe(0x1111);
  });
  it("real mode 67 0f 44 05 00 00 02 00 cmovz eax,[dword 0x20000] with ZF=0 → the source is still read: #GP from the DS limit", () => {
    const m = run16("mov eax,7\ncmp eax,0\ncmovz eax,[dword 0x20000]\nmov eax,9", (mm) => realHandler(mm.mem, 13, 0x3000));
    expect(m.cpu.eip).toBe(0x3001);
    expect(m.cpu.regs[Reg.EAX]).toBe(7);
  });
  function setccAll(a: number, b: number): number[] {
    const ccs = ["o", "no", "b", "nb", "z", "nz", "be", "nbe", "s", "ns", "p", "np", "l", "nl", "le", "nle"];
    const src = `mov eax,${a}\nmov ebx,${b}\ncmp eax,ebx\n` + ccs.map((c, i) => `set${c} byte [0x2000+${i}]`).join("\n");
    const { mem } = run32(src);
    return Array.from(mem.bytes.subarray(0x2000, 0x2010));
  }
  it("cmp 1,2 then set{o,no,b,nb,z,nz,be,nbe,s,ns,p,np,l,nl,le,nle} → 0,1,1,0,0,1,1,0,1,0,1,0,1,0,1,0", () => {
    // 1-2 = 0xffffffff: CF=1 ZF=0 SF=1 OF=0, low byte 0xff has eight ones → PF=1.
    expect(setccAll(1, 2)).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });
  it("cmp 0x80000000,1 (signed overflow) → o=1 b=0 z=0 s=0 p=1 l=1 le=1", () => {
    // 0x80000000-1 = 0x7fffffff: CF=0 ZF=0 SF=0 OF=1, low byte 0xff → PF=1; L ⇔ SF≠OF.
    expect(setccAll(0x80000000, 1)).toEqual([1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0]);
  });
  it("cmp 5,5 → z=1 be=1 nl=1 le=1, p=1 (result 0)", () => {
    expect(setccAll(5, 5)).toEqual([0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
  });
  it("0f 94 c1 setz cl (register form) → CL=1, rest of ECX kept", () => {
    const { cpu } = run32("mov ecx,0xffffffff\nxor eax,eax\nsetz cl");
    expect(u32(cpu.regs[Reg.ECX])).toBe(0xffffff01);
  });
});

describe("BSWAP", () => {
  it("0f c8 bswap eax: 0x11223344 → 0x44332211; 0f cf bswap edi: 0x80000001 → 0x01000080", () => {
    const { cpu } = run32("mov eax,0x11223344\nbswap eax\nmov edi,0x80000001\nbswap edi");
    expect(cpu.regs[Reg.EAX]).toBe(0x44332211);
    expect(cpu.regs[Reg.EDI]).toBe(0x01000080);
  });
  it("66 0f cb bswap bx (16-bit, undefined by the SDM) → low word 0, upper word kept (Intel behaviour)", () => {
    const { cpu } = run32("mov ebx,0x11223344\ndb 0x66,0x0f,0xcb");
    expect(cpu.regs[Reg.EBX]).toBe(0x11220000);
  });
});

describe("encodings come from nasm", () => {
  it("nasm encodes mov eax,[0x2000] as moffs a1 and lea with a16 as 67 8d", () => {
    expect(nasm("mov eax,[0x2000]")).toEqual([0xa1, 0x00, 0x20, 0x00, 0x00]);
    expect(nasm("lea eax,[bx+si+0x10]")).toEqual([0x67, 0x8d, 0x40, 0x10]);
  });
});
