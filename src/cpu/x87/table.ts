// x87 opcode map (D8..DF), SDM Vol.2 Appendix A.5 (Tables A-7 .. A-22). Each escape byte is a group
// by modrm.reg, split into the memory form and the register form (one entry for ST(i) forms, or
// eight chosen by r/m). The undocumented register aliases that silicon executes are included
// (FSTP1 D9 D8+i, FCOM2 DC D0+i, FCOMP3 DC D8+i, FXCH4 DD C8+i, FCOMP5 DE D0+i, FFREEP DF C0+i,
// FXCH7 DF C8+i, FSTP8/FSTP9 DF D0+i/D8+i). FISTTP (SSE3) is left undefined (#UD).
import type { Entry } from "../table.js";

const g = (...group: Entry[]): Entry => ({ group });
const split = (mem: Entry, reg: Entry | Entry[]): Entry => ({ mem, reg });
const ARITH = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"];
const only = (i: number, e: string): Entry[] => Array.from({ length: 8 }, (_, k) => (k === i ? e : null));

export const X87_TABLE: Entry[] = [
  /*D8*/ g(...ARITH.map((m) => split(`${m} Md`, `${m} ST,STi`))),
  /*D9*/ g(
    split("fld Md", "fld STi"), split(null, "fxch STi"), split("fst Md", only(0, "fnop")),
    split("fstp Md", "fstp1 STi"), split("fldenv M", ["fchs", "fabs", null, null, "ftst", "fxam", null, null]),
    split("fldcw Mw", ["fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", null]),
    split("fnstenv M", ["f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp"]),
    split("fnstcw Mw", ["fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos"]),
  ),
  /*DA*/ g(
    split("fiadd Md", "fcmovb ST,STi"), split("fimul Md", "fcmove ST,STi"), split("ficom Md", "fcmovbe ST,STi"),
    split("ficomp Md", "fcmovu ST,STi"), split("fisub Md", null), split("fisubr Md", only(1, "fucompp")),
    split("fidiv Md", null), split("fidivr Md", null),
  ),
  /*DB*/ g(
    split("fild Md", "fcmovnb ST,STi"), split(null, "fcmovne ST,STi"), split("fist Md", "fcmovnbe ST,STi"),
    split("fistp Md", "fcmovnu ST,STi"), split(null, ["fneni", "fndisi", "fnclex", "fninit", "fsetpm", null, null, null]),
    split("fld Mt", "fucomi ST,STi"), split(null, "fcomi ST,STi"), split("fstp Mt", null),
  ),
  /*DC*/ g(
    split("fadd Mq", "fadd STi,ST"), split("fmul Mq", "fmul STi,ST"), split("fcom Mq", "fcom2 STi"),
    split("fcomp Mq", "fcomp3 STi"), split("fsub Mq", "fsubr STi,ST"), split("fsubr Mq", "fsub STi,ST"),
    split("fdiv Mq", "fdivr STi,ST"), split("fdivr Mq", "fdiv STi,ST"),
  ),
  /*DD*/ g(
    split("fld Mq", "ffree STi"), split(null, "fxch4 STi"), split("fst Mq", "fst STi"), split("fstp Mq", "fstp STi"),
    split("frstor M", "fucom STi"), split(null, "fucomp STi"), split("fnsave M", null), split("fnstsw Mw", null),
  ),
  /*DE*/ g(
    split("fiadd Mw", "faddp STi,ST"), split("fimul Mw", "fmulp STi,ST"), split("ficom Mw", "fcomp5 STi"),
    split("ficomp Mw", only(1, "fcompp")), split("fisub Mw", "fsubrp STi,ST"), split("fisubr Mw", "fsubp STi,ST"),
    split("fidiv Mw", "fdivrp STi,ST"), split("fidivr Mw", "fdivp STi,ST"),
  ),
  /*DF*/ g(
    split("fild Mw", "ffreep STi"), split(null, "fxch7 STi"), split("fist Mw", "fstp8 STi"), split("fistp Mw", "fstp9 STi"),
    split("fbld Mt", only(0, "fnstsw AX")), split("fild Mq", "fucomip ST,STi"), split("fbstp Mt", "fcomip ST,STi"),
    split("fistp Mq", null),
  ),
];
