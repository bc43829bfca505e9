// Data movement (SDM Vol.2): MOV in its register, memory, moffs and immediate forms, LEA, XCHG,
// CBW/CWDE, CWD/CDQ, XLATB, MOVZX/MOVSX, CMOVcc, SETcc, BSWAP. NOP and PAUSE (F3 90) share 90.

import type { Cpu } from "../cpu.js";
import { Reg } from "../constants.js";
import { eaOffset, eaSeg, Pfx, Rec } from "../decoder.js";
import { testCC } from "../flags.js";
import { read16, read32, read8, write16, write32, write8 } from "../mmu.js";
import { getReg8, readRm16, readRm32, readRm8, readRmw16, readRmw32, readRmw8, regField, setReg16, setReg8, writeRm16, writeRm32, writeRm8, writeRmw16, writeRmw32, writeRmw8 } from "./operands.js";
import { defineOp } from "./registry.js";

const hex = (n: number) => n.toString(16).padStart(2, "0");

for (let r = 0; r < 8; r++) {
  // B0+r mov Zb,Ib   B8+r mov Zv,Iv
  defineOp(`op_${(0xb0 + r).toString(16)}`, (cpu: Cpu, d: number) => { setReg8(cpu, r, cpu.dec[d + Rec.IMM]); });
  defineOp(`op_${(0xb8 + r).toString(16)}`,
    (cpu: Cpu, d: number) => { setReg16(cpu, r, cpu.dec[d + Rec.IMM]); },
    (cpu: Cpu, d: number) => { cpu.regs[r] = cpu.dec[d + Rec.IMM]; });
}

// 88 mov Eb,Gb   89 mov Ev,Gv   8A mov Gb,Eb   8B mov Gv,Ev
defineOp("op_88", (cpu, d) => { writeRm8(cpu, d, getReg8(cpu, regField(cpu, d))); });
defineOp("op_89",
  (cpu, d) => { writeRm16(cpu, d, cpu.regs[regField(cpu, d)]); },
  (cpu, d) => { writeRm32(cpu, d, cpu.regs[regField(cpu, d)]); });
defineOp("op_8a", (cpu, d) => { setReg8(cpu, regField(cpu, d), readRm8(cpu, d)); });
defineOp("op_8b",
  (cpu, d) => { setReg16(cpu, regField(cpu, d), readRm16(cpu, d)); },
  (cpu, d) => { cpu.regs[regField(cpu, d)] = readRm32(cpu, d); });

// A0-A3 moffs: the offset (address-size wide) is in D_DISP, the segment in D_EA.
defineOp("op_a0", (cpu, d) => { setReg8(cpu, Reg.EAX, read8(cpu, eaSeg(cpu, d), cpu.dec[d + Rec.DISP])); });
defineOp("op_a1",
  (cpu, d) => { setReg16(cpu, Reg.EAX, read16(cpu, eaSeg(cpu, d), cpu.dec[d + Rec.DISP])); },
  (cpu, d) => { cpu.regs[Reg.EAX] = read32(cpu, eaSeg(cpu, d), cpu.dec[d + Rec.DISP]); });
defineOp("op_a2", (cpu, d) => { write8(cpu, eaSeg(cpu, d), cpu.dec[d + Rec.DISP], cpu.regs[Reg.EAX] & 0xff); });
defineOp("op_a3",
  (cpu, d) => { write16(cpu, eaSeg(cpu, d), cpu.dec[d + Rec.DISP], cpu.regs[Reg.EAX] & 0xffff); },
  (cpu, d) => { write32(cpu, eaSeg(cpu, d), cpu.dec[d + Rec.DISP], cpu.regs[Reg.EAX]); });

// C6 /0 mov Eb,Ib   C7 /0 mov Ev,Iz
defineOp("op_c6_0", (cpu, d) => { writeRm8(cpu, d, cpu.dec[d + Rec.IMM]); });
defineOp("op_c7_0",
  (cpu, d) => { writeRm16(cpu, d, cpu.dec[d + Rec.IMM]); },
  (cpu, d) => { writeRm32(cpu, d, cpu.dec[d + Rec.IMM]); });

// 8D lea Gv,M: the offset at address size, truncated or zero-extended to operand size (the
// decoder rejects a register operand with #UD).
defineOp("op_8d",
  (cpu, d) => { setReg16(cpu, regField(cpu, d), eaOffset(cpu, d)); },
  (cpu, d) => { cpu.regs[regField(cpu, d)] = eaOffset(cpu, d); });

// 86 xchg Eb,Gb   87 xchg Ev,Gv (a memory operand is written before the register changes)
defineOp("op_86", (cpu, d) => {
  const g = regField(cpu, d);
  const a = readRmw8(cpu, d);
  writeRmw8(cpu, d, getReg8(cpu, g));
  setReg8(cpu, g, a);
});
defineOp("op_87", (cpu, d) => {
  const g = regField(cpu, d);
  const a = readRmw16(cpu, d);
  writeRmw16(cpu, d, cpu.regs[g]);
  setReg16(cpu, g, a);
}, (cpu, d) => {
  const g = regField(cpu, d);
  const a = readRmw32(cpu, d);
  writeRmw32(cpu, d, cpu.regs[g]);
  cpu.regs[g] = a;
});
// 90 nop (also F3 90 pause)   91-97 xchg Zv,eAX
defineOp("op_90", (cpu, d) => {
  if ((cpu.dec[d + Rec.LEN] & Pfx.REP) !== 0) cpu.host.pause?.(cpu);
});
// 0F 18-1F nop Ev (multi-byte NOP and the prefetch hints): no register change, no memory access.
for (let op = 0x18; op <= 0x1f; op++) defineOp(`op_0f_${hex(op)}`, () => {});
for (let r = 1; r < 8; r++) {
  defineOp(`op_${hex(0x90 + r)}`, (cpu) => {
    const t = cpu.regs[Reg.EAX];
    setReg16(cpu, Reg.EAX, cpu.regs[r]);
    setReg16(cpu, r, t);
  }, (cpu) => {
    const t = cpu.regs[Reg.EAX];
    cpu.regs[Reg.EAX] = cpu.regs[r];
    cpu.regs[r] = t;
  });
}

// 98 cbw|cwde   99 cwd|cdq
defineOp("op_98",
  (cpu) => { setReg16(cpu, Reg.EAX, (cpu.regs[Reg.EAX] << 24) >> 24); },
  (cpu) => { cpu.regs[Reg.EAX] = (cpu.regs[Reg.EAX] << 16) >> 16; });
defineOp("op_99",
  (cpu) => { setReg16(cpu, Reg.EDX, (cpu.regs[Reg.EAX] << 16) >> 31); },
  (cpu) => { cpu.regs[Reg.EDX] = cpu.regs[Reg.EAX] >> 31; });

// D7 xlatb: AL ← [seg:(E)BX + zero-extended AL], address size picks BX or EBX; DS overridable.
defineOp("op_d7", (cpu, d) => {
  const regs = cpu.regs;
  const sum = regs[Reg.EBX] + (regs[Reg.EAX] & 0xff);
  const off = cpu.dec[d + Rec.LEN] & Pfx.AD32 ? sum | 0 : sum & 0xffff;
  setReg8(cpu, Reg.EAX, read8(cpu, eaSeg(cpu, d), off));
});

// 0F B6 movzx Gv,Eb   0F B7 movzx Gv,Ew   0F BE movsx Gv,Eb   0F BF movsx Gv,Ew
defineOp("op_0f_b6",
  (cpu, d) => { setReg16(cpu, regField(cpu, d), readRm8(cpu, d)); },
  (cpu, d) => { cpu.regs[regField(cpu, d)] = readRm8(cpu, d); });
defineOp("op_0f_b7",
  (cpu, d) => { setReg16(cpu, regField(cpu, d), readRm16(cpu, d)); },
  (cpu, d) => { cpu.regs[regField(cpu, d)] = readRm16(cpu, d); });
defineOp("op_0f_be",
  (cpu, d) => { setReg16(cpu, regField(cpu, d), (readRm8(cpu, d) << 24) >> 24); },
  (cpu, d) => { cpu.regs[regField(cpu, d)] = (readRm8(cpu, d) << 24) >> 24; });
defineOp("op_0f_bf",
  (cpu, d) => { setReg16(cpu, regField(cpu, d), readRm16(cpu, d)); },
  (cpu, d) => { cpu.regs[regField(cpu, d)] = (readRm16(cpu, d) << 16) >> 16; });

for (let cc = 0; cc < 16; cc++) {
  // 0F 40+cc cmovcc Gv,Ev: the source is read (and may fault) whatever the condition; with a
  // false condition nothing is written (upper-half clearing is a 64-bit-mode rule only).
  defineOp(`op_0f_${hex(0x40 + cc)}`, (cpu, d) => {
    const v = readRm16(cpu, d);
    if (testCC(cpu, cc)) setReg16(cpu, regField(cpu, d), v);
  }, (cpu, d) => {
    const v = readRm32(cpu, d);
    if (testCC(cpu, cc)) cpu.regs[regField(cpu, d)] = v;
  });
  // 0F 90+cc setcc Eb
  defineOp(`op_0f_${hex(0x90 + cc)}`, (cpu, d) => { writeRm8(cpu, d, testCC(cpu, cc) ? 1 : 0); });
}

for (let r = 0; r < 8; r++) {
  // 0F C8+r bswap Zd. With a 16-bit operand size the SDM leaves the result undefined; Intel
  // processors clear the low word (the upper half is untouched), and that is what we do.
  defineOp(`op_0f_${hex(0xc8 + r)}`, (cpu) => {
    cpu.regs[r] &= ~0xffff;
  }, (cpu) => {
    const v = cpu.regs[r];
    cpu.regs[r] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  });
}
