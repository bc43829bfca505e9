// A machine that powered off stays off (every later run() ends as "poweroff"), and that is machine
// state: restoring a snapshot taken before the power-off must give a running machine again. Before
// this was saved, a bisect probe on the Debian boot (ACPI S5 at the end) restored a mid-boot
// snapshot into the machine that had reached the end and "powered off" at the next timer deadline.
import { describe, expect, it } from "vitest";
import { restoreMachine, saveMachine } from "../../src/replay/snapshot.js";
import { assemble, Rig, type GuestImage } from "./snapshot-guests.js";

// PIT channel 0 armed (IF=0: no interrupts, but its deadlines still end the CPU's slices), about
// 2M instructions of counting, then ACPI S5: SLP_TYP 0 (the DSDT's \_S5) with SLP_EN into PM1a_CNT.
const guest: GuestImage = {
  name: "acpi-poweroff",
  bytes: assemble(`
bits 32
org 0x100000
  cli
  mov al, 0x34
  out 0x43, al
  mov al, 100
  out 0x40, al
  xor al, al
  out 0x40, al
  mov ecx, 1000000
.l:
  dec ecx
  jnz .l
  mov dx, 0x604
  mov ax, 0x2000
  out dx, ax
.h:
  hlt
  jmp .h
`),
  loadAddress: 0x100000,
  entry: { mode: "flat32", eip: 0x100000, esp: 0x1f0000 },
  memBytes: 4 << 20,
};

describe("power-off and snapshots", () => {
  it("snapshot at 1000, run to ACPI S5; restore the snapshot into the same machine → runs to S5 at the same icount again", () => {
    const r = new Rig(guest);
    r.run(1000);
    const snap = saveMachine(r.m);
    const first = r.m.run(10_000_000);
    expect(first.kind).toBe("poweroff");
    const offAt = r.m.cpu.icount;
    expect(offAt).toBeGreaterThan(2_000_000);
    expect(r.m.run(10).kind).toBe("poweroff"); // off stays off

    restoreMachine(r.m, snap);
    expect(r.m.poweredOff).toBe(false);
    expect(r.m.run(10_000_000).kind).toBe("poweroff");
    expect(r.m.cpu.icount).toBe(offAt);
  });

  it("a snapshot taken after the power-off restores a powered-off machine", () => {
    const r = new Rig(guest);
    expect(r.m.run(10_000_000).kind).toBe("poweroff");
    const snap = saveMachine(r.m);
    const fresh = new Rig(guest, false);
    restoreMachine(fresh.m, snap);
    expect(fresh.m.run(10).kind).toBe("poweroff");
  });
});
