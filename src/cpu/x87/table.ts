// x87 opcode map (D8..DF), SDM Vol.2 Appendix A.5. Each escape byte is a group by modrm.reg,
// split into the memory form and the register form (one entry, or eight chosen by r/m).
import type { Entry } from "../table.js";

export const X87_TABLE: Entry[] = new Array(8).fill(null);
