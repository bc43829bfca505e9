// The instruction table: one declarative map of the i686 opcode space (SDM Vol.2 Appendix A).
// It drives the decoder (which bytes follow the opcode), the handler names the interpreter
// registers implementations under, and the disassembler.
//
// Entry legend: "mnemonic operands", operands comma separated, in SDM Appendix A notation:
//   E? modrm r/m (b byte, w word, v word/dword by operand size, d dword)   G? modrm reg
//   M  memory-only modrm (Mp far pointer, Ms 6-byte table register, Mq qword, Mdq 16 bytes,
//      Ma bound pair, Mb byte; x87: Md/Mq/Mw/Mt 32/64/16/80-bit, M env/state image)
//   R? register-only modrm r/m   Sw segment reg in modrm.reg   Cd/Dd control/debug reg in modrm.reg
//   Ib imm8   Ibs imm8 sign-extended   Iw imm16   Iz imm16/32 by operand size   Iv same as Iz here
//   Jb/Jz relative branch   Ap far pointer   Ob/Ov moffs (address-size offset, no modrm)
//   AL eAX DX CL 1 ES CS SS DS FS GS: fixed operands (no decode effect)
//   Zb/Zv/Zd register coded in the low three opcode bits
// A mnemonic with variants by mandatory prefix: "vmptrld/66=vmclear/f3=vmxon Mq".
// A mnemonic with operand-size variants: "cbw|cwde" (16|32).
//
// Handler names are derived, never written by hand:
//   one-byte XX          → op_XX           0F XX → op_0f_XX         0F 38 XX → op_0f38_XX
//   group member /R      → op_XX_R         split by mod: memory form → ..._mem, register form → ..._reg
//   register form chosen by r/m as well → ..._rN (N = r/m)
// Implementations register under these names (ops/registry.ts); a name with no implementation
// dispatches to the "unimplemented" handler, which raises #UD and reports the bytes once.

import { X87_TABLE } from "./x87/table.js";

export type Entry = string | null | Group | Split;
/** Selected by modrm.reg. */
export interface Group { group: Entry[] }
/** Selected by modrm.mod: memory form, and register form (one entry, or eight chosen by r/m). */
export interface Split { mem: Entry; reg: Entry | Entry[] }

const g = (...group: Entry[]): Group => ({ group });
const split = (mem: Entry, reg: Entry | Entry[]): Split => ({ mem, reg });

const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const CC = ["o", "no", "b", "nb", "z", "nz", "be", "nbe", "s", "ns", "p", "np", "l", "nl", "le", "nle"];
const GRP1 = (ops: string): Group => g(...ALU.map((m) => `${m} ${ops}`));
const GRP2 = (ops: string): Group => g(...["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"].map((m) => `${m} ${ops}`));

function aluBlock(m: string, seg: [string | null, string | null]): Entry[] {
  return [`${m} Eb,Gb`, `${m} Ev,Gv`, `${m} Gb,Eb`, `${m} Gv,Ev`, `${m} AL,Ib`, `${m} eAX,Iz`, seg[0], seg[1]];
}
function rep8(f: (i: number) => Entry): Entry[] {
  return Array.from({ length: 8 }, (_, i) => f(i));
}

/** Prefix bytes: handled by the decoder before table lookup. */
export const PREFIX = "prefix";

export const ONE_BYTE: Entry[] = [
  ...aluBlock("add", ["push ES", "pop ES"]),
  ...aluBlock("or", ["push CS", "escape 0F"]),
  ...aluBlock("adc", ["push SS", "pop SS"]),
  ...aluBlock("sbb", ["push DS", "pop DS"]),
  ...aluBlock("and", [PREFIX, "daa"]),
  ...aluBlock("sub", [PREFIX, "das"]),
  ...aluBlock("xor", [PREFIX, "aaa"]),
  ...aluBlock("cmp", [PREFIX, "aas"]),
  ...rep8(() => "inc Zv"), ...rep8(() => "dec Zv"), ...rep8(() => "push Zv"), ...rep8(() => "pop Zv"),
  /*60*/ "pusha|pushad", "popa|popad", "bound Gv,Ma", "arpl Ew,Gw", PREFIX, PREFIX, PREFIX, PREFIX,
  /*68*/ "push Iz", "imul Gv,Ev,Iz", "push Ibs", "imul Gv,Ev,Ibs", "insb", "insw|insd", "outsb", "outsw|outsd",
  /*70*/ ...CC.map((c) => `j${c} Jb`),
  /*80*/ GRP1("Eb,Ib"), GRP1("Ev,Iz"), GRP1("Eb,Ib"), GRP1("Ev,Ibs"),
  /*84*/ "test Eb,Gb", "test Ev,Gv", "xchg Eb,Gb", "xchg Ev,Gv",
  /*88*/ "mov Eb,Gb", "mov Ev,Gv", "mov Gb,Eb", "mov Gv,Ev", "mov Ew,Sw", "lea Gv,M", "mov Sw,Ew",
  /*8F*/ g("pop Ev", null, null, null, null, null, null, null),
  /*90*/ "nop/f3=pause", ...Array.from({ length: 7 }, () => "xchg Zv,eAX"),
  /*98*/ "cbw|cwde", "cwd|cdq", "callf Ap", "fwait", "pushf|pushfd", "popf|popfd", "sahf", "lahf",
  /*A0*/ "mov AL,Ob", "mov eAX,Ov", "mov Ob,AL", "mov Ov,eAX", "movsb", "movsw|movsd", "cmpsb", "cmpsw|cmpsd",
  /*A8*/ "test AL,Ib", "test eAX,Iz", "stosb", "stosw|stosd", "lodsb", "lodsw|lodsd", "scasb", "scasw|scasd",
  /*B0*/ ...rep8(() => "mov Zb,Ib"), ...rep8(() => "mov Zv,Iv"),
  /*C0*/ GRP2("Eb,Ib"), GRP2("Ev,Ib"), "ret Iw", "ret", "les Gv,Mp", "lds Gv,Mp",
  /*C6*/ g("mov Eb,Ib", null, null, null, null, null, null, null),
  /*C7*/ g("mov Ev,Iz", null, null, null, null, null, null, null),
  /*C8*/ "enter Iw,Ib", "leave", "retf Iw", "retf", "int3", "int Ib", "into", "iret|iretd",
  /*D0*/ GRP2("Eb,1"), GRP2("Ev,1"), GRP2("Eb,CL"), GRP2("Ev,CL"), "aam Ib", "aad Ib", "salc", "xlatb",
  /*D8*/ ...X87_TABLE,
  /*E0*/ "loopne Jb", "loope Jb", "loop Jb", "jcxz|jecxz Jb", "in AL,Ib", "in eAX,Ib", "out Ib,AL", "out Ib,eAX",
  /*E8*/ "call Jz", "jmp Jz", "jmpf Ap", "jmp Jb", "in AL,DX", "in eAX,DX", "out DX,AL", "out DX,eAX",
  /*F0*/ PREFIX, "int1", PREFIX, PREFIX, "hlt", "cmc",
  /*F6*/ g("test Eb,Ib", "test Eb,Ib", "not Eb", "neg Eb", "mul Eb", "imul Eb", "div Eb", "idiv Eb"),
  /*F7*/ g("test Ev,Iz", "test Ev,Iz", "not Ev", "neg Ev", "mul Ev", "imul Ev", "div Ev", "idiv Ev"),
  /*F8*/ "clc", "stc", "cli", "sti", "cld", "std",
  /*FE*/ g("inc Eb", "dec Eb", null, null, null, null, null, null),
  /*FF*/ g("inc Ev", "dec Ev", "call Ev", "callf Mp", "jmp Ev", "jmpf Mp", "push Ev", null),
];

const HINT_NOP = "nop Ev";

export const TWO_BYTE: Entry[] = (() => {
  const t: Entry[] = new Array(256).fill(null);
  t[0x00] = g("sldt Ew", "str Ew", "lldt Ew", "ltr Ew", "verr Ew", "verw Ew", null, null);
  t[0x01] = g(
    split("sgdt Ms", [null, "vmcall", "vmlaunch", "vmresume", "vmxoff", null, null, null]),
    split("sidt Ms", ["monitor", "mwait", null, null, null, null, null, null]),
    split("lgdt Ms", null),
    split("lidt Ms", null),
    "smsw Ew",
    null,
    "lmsw Ew",
    split("invlpg M", null),
  );
  t[0x02] = "lar Gv,Ew";
  t[0x03] = "lsl Gv,Ew";
  t[0x06] = "clts";
  t[0x08] = "invd";
  t[0x09] = "wbinvd";
  t[0x0b] = "ud2";
  for (let i = 0x18; i <= 0x1f; i++) t[i] = HINT_NOP;
  t[0x20] = "mov Rd,Cd";
  t[0x21] = "mov Rd,Dd";
  t[0x22] = "mov Cd,Rd";
  t[0x23] = "mov Dd,Rd";
  t[0x30] = "wrmsr";
  t[0x31] = "rdtsc";
  t[0x32] = "rdmsr";
  t[0x33] = "rdpmc";
  t[0x34] = "sysenter";
  t[0x35] = "sysexit";
  t[0x38] = "escape 0F38";
  for (let i = 0; i < 16; i++) t[0x40 + i] = `cmov${CC[i]} Gv,Ev`;
  t[0x78] = "vmread Ed,Gd";
  t[0x79] = "vmwrite Gd,Ed";
  for (let i = 0; i < 16; i++) t[0x80 + i] = `j${CC[i]} Jz`;
  for (let i = 0; i < 16; i++) t[0x90 + i] = `set${CC[i]} Eb`;
  t[0xa0] = "push FS";
  t[0xa1] = "pop FS";
  t[0xa2] = "cpuid";
  t[0xa3] = "bt Ev,Gv";
  t[0xa4] = "shld Ev,Gv,Ib";
  t[0xa5] = "shld Ev,Gv,CL";
  t[0xa8] = "push GS";
  t[0xa9] = "pop GS";
  t[0xaa] = "rsm";
  t[0xab] = "bts Ev,Gv";
  t[0xac] = "shrd Ev,Gv,Ib";
  t[0xad] = "shrd Ev,Gv,CL";
  t[0xae] = g(split("fxsave M", null), split("fxrstor M", null), split("ldmxcsr Md", null),
    split("stmxcsr Md", null), null, null, null, split("clflush Mb", null));
  t[0xaf] = "imul Gv,Ev";
  t[0xb0] = "cmpxchg Eb,Gb";
  t[0xb1] = "cmpxchg Ev,Gv";
  t[0xb2] = "lss Gv,Mp";
  t[0xb3] = "btr Ev,Gv";
  t[0xb4] = "lfs Gv,Mp";
  t[0xb5] = "lgs Gv,Mp";
  t[0xb6] = "movzx Gv,Eb";
  t[0xb7] = "movzx Gv,Ew";
  t[0xb9] = "ud1 Gv,Ev";
  t[0xba] = g(null, null, null, null, "bt Ev,Ib", "bts Ev,Ib", "btr Ev,Ib", "btc Ev,Ib");
  t[0xbb] = "btc Ev,Gv";
  t[0xbc] = "bsf Gv,Ev";
  t[0xbd] = "bsr Gv,Ev";
  t[0xbe] = "movsx Gv,Eb";
  t[0xbf] = "movsx Gv,Ew";
  t[0xc0] = "xadd Eb,Gb";
  t[0xc1] = "xadd Ev,Gv";
  t[0xc7] = g(null, split("cmpxchg8b Mq", null), null, null, null, null,
    split("vmptrld/66=vmclear/f3=vmxon Mq", null), split("vmptrst Mq", null));
  for (let i = 0; i < 8; i++) t[0xc8 + i] = "bswap Zd";
  t[0xff] = "ud0 Gv,Ev";
  return t;
})();

export const THREE_BYTE_38: Entry[] = (() => {
  const t: Entry[] = new Array(256).fill(null);
  t[0x80] = "invept/66=invept Gd,Mdq"; // only valid with 66; the handler checks
  t[0x81] = "invvpid/66=invvpid Gd,Mdq";
  return t;
})();
