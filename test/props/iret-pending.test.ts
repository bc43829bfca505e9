// Found while probing the generated guests' interrupt timing: an IRQ that becomes pending while
// a handler runs with IF=0 must be taken right after the handler's IRET sets IF again (SDM Vol.3
// 6.8.3: only STI and MOV SS/POP SS inhibit interrupts for one instruction; IRET does not), in
// real mode and in protected mode, for any PIT rate that makes the next tick land inside the
// handler.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/vmx/machine.js";
import { assemble } from "./guest-gen.js";
import { propParams } from "./harness.js";

function guest(divisor: number, wait: number): string {
  return `bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  mov word [0x20], handler
  mov word [0x22], 0
  mov al, 0x11
  out 0x20, al
  mov al, 0x08
  out 0x21, al
  mov al, 0x04
  out 0x21, al
  mov al, 0x01
  out 0x21, al
  mov al, 0xfe
  out 0x21, al
  mov al, 0x34
  out 0x43, al
  mov ax, ${divisor}
  out 0x40, al
  mov al, ah
  out 0x40, al
  sti
spin:
  inc cx
  jmp spin
  times 0x100 - ($ - $$) nop
handler:                          ; at 0x7d00
  mov al, 0x20
  out 0x20, al
  mov bx, ${wait}
.w:
  dec bx
  jnz .w
  iret
`;
}

describe("an interrupt pending when IRET sets IF", () => {
  it("PIT tick lands inside the IRQ0 handler (IF=0) → after IRET the next instruction is the handler's first, not the interrupted loop's", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 3 }), (divisor, factor) => {
        // 50 ns/instruction: a tick every divisor * 838 ns; the handler waits longer than that.
        const wait = Math.ceil((divisor * 838 * factor) / 50 / 2) + 10;
        const image = assemble(guest(divisor, wait));
        const m = new Machine({ memBytes: 1 << 20, nsPerInstruction: 50 });
        m.loadBytes(0x7c00, image);
        m.enter({ mode: "real16", cs: 0, ip: 0x7c00 });
        let irets = 0;
        for (let i = 0; i < 20 * wait && irets < 3; i++) {
          const wasIret = m.mem.bytes[m.cpu.eip] === 0xcf; // real mode, CS = 0: EIP is the linear address
          m.run(1);
          if (!wasIret) continue;
          irets++;
          // the tick that arrived during the handler is pending: the CPU is in the handler again
          expect(m.cpu.eip).toBe(0x7d00);
          expect((m.platform.pic.save() as { master: { isr: number } }).master.isr & 1).toBe(1);
        }
        expect(irets).toBe(3);
      }),
      propParams(15, 0x5eed_1e),
    );
  });
});
