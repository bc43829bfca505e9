// x87 instruction handlers (D8..DF, FWAIT, FXSAVE/FXRSTOR), one file per SDM instruction group.
import "./arithops.js";
import "./compare.js";
import "./ldst.js";
import "./stackctl.js";
import "./trig.js";
import "./logexp.js";
import "./remainder.js";
import "./control.js";
