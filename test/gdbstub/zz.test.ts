import { it } from "vitest";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { gdb, helloMachine, helloSymbols, serve } from "./helpers.js";
it("dbg", async () => {
  const sym = helloSymbols();
  const s = await serve(new MachineTarget(helloMachine()));
  console.log(await gdb(s.port, ["hbreak pm_entry", "continue", "p/x $pc", "p/x $cr0 & 1", "p/x $cs_base", "monitor where", "x/wx 0x400000", "info registers cr2"], sym.elf));
  await s.close();
});
