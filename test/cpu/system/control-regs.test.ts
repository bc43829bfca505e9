// MOV CR/DR, CLTS, INVD/WBINVD (SDM Vol.2 MOV—Move to/from Control Registers, Debug Registers; Vol.3 2.5, 17.2).
// Real-mode faults are delivered through the IVT (each handler is a HLT at a known address).

import { beforeEach, describe, expect, it, vi } from "vitest";
import { applyCpuModel, i686Model } from "../../../src/cpu/cpuid.js";
import { realHandler, run16, run32 } from "../mov.helpers.js";
import type { Delivery } from "./capture.js";
import { Cr0, Cr4, Desc, Reg, Seg } from "../../../src/cpu/constants.js";

const seen = vi.hoisted(() => [] as Delivery[]);
vi.mock("../../../src/cpu/system/idt.js", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../../src/cpu/system/idt.js")>();
  const { captureDelivery } = await import("./capture.js");
  return { ...orig, deliverProtected: captureDelivery(seen) };
});
beforeEach(() => { seen.length = 0; });

/** Real mode with IVT[6] → 0x2000, IVT[13] → 0x2100, IVT[1] → 0x2200: the final EIP names the exception. */
const UD_AT = 0x2001, GP_AT = 0x2101, DB_AT = 0x2201;
function real(src: string, setup?: Parameters<typeof run16>[1]) {
  return run16(src, (m) => {
    realHandler(m.mem, 6, 0x2000); realHandler(m.mem, 13, 0x2100); realHandler(m.mem, 1, 0x2200);
    setup?.(m);
  });
}

describe("MOV CR0", () => {
  it("0f 22 c0 with PG=1 and PE=0 (eax=0x80000000) → #GP(0), CR0 unchanged", () => {
    const m = real("mov eax,0x80000000\nmov cr0,eax");
    expect(m.cpu.eip).toBe(GP_AT);
    expect(m.cpu.cr0 >>> 0).toBe((Cr0.ET | Cr0.NW | Cr0.CD) >>> 0); // reset value
  });
  it("NW=1 with CD=0 → #GP(0)", () => {
    const m = real("mov eax,0x20000000\nmov cr0,eax");
    expect(m.cpu.eip).toBe(GP_AT);
  });
  it("writing 0 then reading back: ET stays 1 (hardwired on P6), reserved bits 6-15 written as 1 are ignored", () => {
    const m = real("mov eax,0x0000ffc0\nmov cr0,eax\nmov ebx,cr0");
    expect(m.cpu.regs[Reg.EBX] >>> 0).toBe(Cr0.ET); // only reserved bits were written; ET forced
    expect(m.cpu.eip).toBe(0x1000 + 6 + 3 + 3 + 1);
  });
  it("mov cr0 sets PE: the CPU is in protected mode (CPL 0) after it", () => {
    const m = real("mov eax,cr0\nor al,1\nmov cr0,eax");
    expect(m.cpu.cr0 & Cr0.PE).toBe(Cr0.PE);
  });
});

describe("other control registers", () => {
  it("0f 20 c8 mov eax,cr1 and 0f 22 e8 mov cr5,eax → #UD", () => {
    expect(real("db 0x0f,0x20,0xc8").cpu.eip).toBe(UD_AT);
    expect(real("db 0x0f,0x22,0xe8").cpu.eip).toBe(UD_AT);
  });
  it("mov cr2/cr3 round-trip any value", () => {
    const m = real("mov eax,0xdeadb000\nmov cr2,eax\nmov ebx,cr2\nmov ecx,0x12345018\nmov cr3,ecx\nmov edx,cr3");
    expect(m.cpu.regs[Reg.EBX] >>> 0).toBe(0xdeadb000);
    expect(m.cpu.regs[2] >>> 0).toBe(0x12345018);
  });
  it("CR4.PAE (bit 5) is accepted (the model advertises PAE); refused with #GP(0) by a model without it", () => {
    expect(real("mov eax,0x20\nmov cr4,eax\nmov ebx,cr4").cpu.regs[Reg.EBX]).toBe(0x20);
    const m = real("mov eax,0x20\nmov cr4,eax", (mm) => { mm.cpu.cpuidEdx1 &= ~(1 << 6); });
    expect(m.cpu.eip).toBe(GP_AT);
  });
  it("CR4 bit 11 (reserved) → #GP(0); CR4.VMXE → #GP(0) unless the model advertises VMX", () => {
    expect(real("mov eax,0x800\nmov cr4,eax").cpu.eip).toBe(GP_AT);
    expect(real("mov eax,0x2000\nmov cr4,eax").cpu.eip).toBe(GP_AT);
    const m = real("mov eax,0x2000\nmov cr4,eax\nmov ebx,cr4", (mm) => applyCpuModel(mm.cpu, i686Model({ vmx: true })));
    expect(m.cpu.regs[Reg.EBX]).toBe(Cr4.VMXE);
  });
  it("CR4.PSE|PGE|DE|TSD|VME|PVI|PCE|OSFXSR (0x39f) are accepted by the i686 model", () => {
    const m = real("mov eax,0x39f\nmov cr4,eax\nmov ebx,cr4");
    expect(m.cpu.regs[Reg.EBX]).toBe(0x39f);
  });
  it("mov cr0,eax at CPL 3 → #GP(0); 0f 06 clts at CPL 3 → #GP(0)", () => {
    const ring3 = (m: { cpu: import("../../../src/cpu/cpu.js").Cpu }) => {
      m.cpu.setSegCache(Seg.SS, 0x23, 0, -1, Desc.P | Desc.S | Desc.RW | Desc.A | Desc.DB | Desc.G | (3 << 5));
      m.cpu.updateMode();
    };
    run32("mov cr0,eax", ring3);
    run32("clts", ring3);
    run32("wbinvd", ring3);
    expect(seen.map((s) => [s.vector, s.errorCode, s.eip])).toEqual([[13, 0, 0x1000], [13, 0, 0x1000], [13, 0, 0x1000]]);
  });
  it("0f 06 clts clears CR0.TS only", () => {
    const m = real("mov eax,cr0\nor al,8\nmov cr0,eax\nclts\nmov ebx,cr0");
    expect(m.cpu.regs[Reg.EBX] & Cr0.TS).toBe(0);
    expect(m.cpu.regs[Reg.EBX] & Cr0.ET).toBe(Cr0.ET);
  });
});

describe("MOV DR", () => {
  it("DR6 reads 0xffff0ff0 after reset, DR7 reads 0x400; writes keep those fixed bits", () => {
    const m = real("mov eax,dr6\nmov ebx,dr7\nxor ecx,ecx\nmov dr6,ecx\nmov dr7,ecx\nmov edx,dr6\nmov esi,dr7");
    expect([m.cpu.regs[Reg.EAX] >>> 0, m.cpu.regs[Reg.EBX], m.cpu.regs[2] >>> 0, m.cpu.regs[6]]).toEqual([0xffff0ff0, 0x400, 0xffff0ff0, 0x400]);
  });
  it("CR4.DE=0: DR4/DR5 alias DR6/DR7 (0f 21 e0 mov eax,dr4 reads DR6)", () => {
    const m = real("mov ecx,0x10\nmov dr5,ecx\nmov eax,dr4\nmov ebx,dr7");
    expect(m.cpu.regs[Reg.EAX] >>> 0).toBe(0xffff0ff0);
    expect(m.cpu.regs[Reg.EBX]).toBe(0x410);
  });
  it("CR4.DE=1: mov eax,dr4 → #UD", () => {
    const m = real("mov eax,0x8\nmov cr4,eax\nmov eax,dr4");
    expect(m.cpu.cr4 & Cr4.DE).toBe(Cr4.DE);
    expect(m.cpu.eip).toBe(UD_AT);
  });
  it("DR7.GD=1: the next mov dr → #DB fault at that instruction, DR6.BD=1, GD cleared for the handler", () => {
    const m = real("mov eax,0x2000\nmov dr7,eax\nmov ebx,dr0");
    expect(m.cpu.eip).toBe(DB_AT);
    expect(m.cpu.dr[6] & 0x2000).toBe(0x2000);
    expect(m.cpu.dr[7] & 0x2000).toBe(0);
    expect(m.mem.view.getUint16(m.cpu.regs[4] & 0xffff, true)).toBe(0x1000 + 6 + 3); // faulting IP pushed
  });
});

describe("opcodes that are #UD by definition", () => {
  for (const [bytes, name] of [["0x0f,0x0b", "ud2"], ["0x0f,0xb9,0xc0", "ud1 eax,eax"], ["0x0f,0xff,0xc0", "ud0 eax,eax"], ["0x0f,0xaa", "rsm (no SMM)"],
    ["0x0f,0x01,0xc8", "monitor"], ["0x0f,0x01,0xc9", "mwait"]] as const) {
    it(`${bytes.replace(/0x/g, "").replace(/,/g, " ")} ${name} → #UD with no "unimplemented" report`, () => {
      const m = real(`db ${bytes}`);
      expect(m.cpu.eip).toBe(UD_AT);
      expect(m.host.reports).toEqual([]);
    });
  }
});
