// The emulator's own caches (decoded instructions, compiled blocks, "page holds cached code"
// marks) must be invisible to the guest, even to a guest that relies on a stale TLB entry (it
// changes a PTE and uses the address before INVLPG). SDM Vol.3 4.10.4.4 lets a processor keep
// using the old translation until the INVLPG; x86rr's architectural TLB does, so the write below
// lands in the old frame whether or not the emulator happens to hold decoded code from that page.
// (A snapshot restore empties those caches: before the fix, a restored Linux boot diverged here.)
import { describe, expect, it } from "vitest";
import type { Cpu } from "../../src/cpu/cpu.js";
import { assemble, PAGING_IDENTITY_4M, Rig, type GuestImage } from "../replay/snapshot-guests.js";

const FRAME_A = 0x180000, FRAME_B = 0x190000, PT = 0x301000;

const guest: GuestImage = {
  name: "stale-tlb",
  bytes: assemble(`
bits 32
org 0x100000
PD equ 0x300000
PT equ ${PT}
start:
${PAGING_IDENTITY_4M}
  mov byte [${FRAME_A}], 0xc3            ; page A: a RET at offset 0 ...
  mov dword [${FRAME_A} + 0x800], 0x11   ; ... and data at 0x800 (this write sets the PTE's D bit)
  mov dword [${FRAME_B} + 0x800], 0x22
  call ${FRAME_A}                        ; code runs from page A: the emulator caches it
  mov eax, cr3
  mov cr3, eax                           ; TLB now empty
  mov al, 'n'
  out 0xe9, al                           ; the test's split point
  mov eax, [${FRAME_A} + 0x800]          ; TLB: linear A -> frame A (D=1, writable)
  mov dword [PT + (${FRAME_A} >> 12) * 4], ${FRAME_B} | 0x63   ; remap linear A -> frame B, no INVLPG
  mov dword [${FRAME_A} + 0x800], 0x55   ; through the stale entry: frame A
  invlpg [${FRAME_A}]
  mov al, [${FRAME_A} + 0x800]           ; frame B's byte
  out 0xe9, al
  mov dword [PT + (${FRAME_A} >> 12) * 4], ${FRAME_A} | 0x63
  invlpg [${FRAME_A}]
  mov al, [${FRAME_A} + 0x800]           ; frame A's byte
  out 0xe9, al
  mov al, 0
  out 0xf4, al
  cli
  hlt
`),
  loadAddress: 0x100000,
  entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 },
  memBytes: 4 << 20,
};

/** Empties the decoded-instruction cache, the blocks and the code-page marks, but not the TLB. */
function dropEmulatorCaches(cpu: Cpu): void {
  cpu.decTag.fill(-1);
  cpu.blocks.clear();
  cpu.mem.codePage.fill(0);
  cpu.fetchHost = -1;
}

/** Runs to the 'n' marker, optionally empties the emulator's caches there, then runs to the end. */
function runWithSplit(drop: boolean): { out: string; icount: number } {
  const r = new Rig(guest);
  while (!r.out.includes("En")) r.run(1);
  if (drop) dropEmulatorCaches(r.m.cpu);
  const { end } = r.run(1000);
  expect(end.kind).toBe("exit");
  return { out: r.out, icount: r.m.cpu.icount };
}

describe("a guest relying on a stale TLB entry", () => {
  it("write through a stale entry after a PTE remap (no INVLPG) → lands in the old frame A (0x55), frame B keeps 0x22", () => {
    expect(runWithSplit(false).out).toBe("EnE\"EU");
  });
  it("same run with the emulator's caches emptied at the split → identical output and icount", () => {
    expect(runWithSplit(true)).toEqual(runWithSplit(false));
  });
});
