import { describe, expect, it } from "vitest";
import { DualPic } from "../../src/devices/pic.js";
import { Reporter } from "../../src/devices/device.js";

/** The PC BIOS / Linux init sequence: ICW1 0x11 (edge, cascade, ICW4), ICW2 base, ICW3 0x04 / 0x02, ICW4 0x01 (8086). */
function initPc(pic = new DualPic(), masterBase = 0x20, slaveBase = 0x28, icw4 = 0x01) {
  const m = pic.master;
  const s = pic.slave;
  m.write(0, 1, 0x11);
  m.write(1, 1, masterBase);
  m.write(1, 1, 0x04);
  m.write(1, 1, icw4);
  s.write(0, 1, 0x11);
  s.write(1, 1, slaveBase);
  s.write(1, 1, 0x02);
  s.write(1, 1, icw4);
  return pic;
}

const readIrr = (c: { write: (o: number, s: number, v: number) => void; read: (o: number) => number }) => {
  c.write(0, 1, 0x0a);
  return c.read(0);
};
const readIsr = (c: { write: (o: number, s: number, v: number) => void; read: (o: number) => number }) => {
  c.write(0, 1, 0x0b);
  return c.read(0);
};

describe("8259A initialization and INTA (datasheet: ICW1-ICW4, Interrupt Sequence)", () => {
  it("ICW2=0x20, IRQ0 rising edge → INTR; INTA returns 0x20, IRR0 → ISR0", () => {
    const pic = initPc();
    expect(pic.interruptPending()).toBe(false);
    pic.irq(0).raise();
    expect(pic.interruptPending()).toBe(true);
    expect(readIrr(pic.master)).toBe(0x01);
    expect(pic.acknowledge()).toBe(0x20);
    expect(readIsr(pic.master)).toBe(0x01);
    expect(readIrr(pic.master)).toBe(0x00);
    expect(pic.interruptPending()).toBe(false);
  });
  it("ICW1 clears IMR and resets the edge sense: a line already high needs a new rising edge", () => {
    const pic = initPc();
    pic.master.write(1, 1, 0xff);
    pic.irq(3).raise();
    initPc(pic);
    expect(pic.master.read(1)).toBe(0x00);
    expect(pic.interruptPending()).toBe(false);
    pic.irq(3).lower();
    pic.irq(3).raise();
    expect(pic.acknowledge()).toBe(0x23);
  });
  it("OCW1 IMR bit 4 set → IRQ4 held in IRR, not signalled; unmask → INTR", () => {
    const pic = initPc();
    pic.master.write(1, 1, 0x10);
    expect(pic.master.read(1)).toBe(0x10);
    pic.irq(4).raise();
    expect(pic.interruptPending()).toBe(false);
    expect(readIrr(pic.master)).toBe(0x10);
    pic.master.write(1, 1, 0x00);
    expect(pic.acknowledge()).toBe(0x24);
  });
  it("edge-triggered IRQ1 held high → one interrupt; lower and raise → a second one", () => {
    const pic = initPc();
    pic.irq(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
    pic.master.write(0, 1, 0x20);
    expect(pic.interruptPending()).toBe(false);
    pic.irq(1).lower();
    pic.irq(1).raise();
    expect(pic.interruptPending()).toBe(true);
  });
  it("nothing requested at INTA → spurious IR7 vector (base+7), ISR unchanged", () => {
    const pic = initPc();
    expect(pic.acknowledge()).toBe(0x27);
    expect(readIsr(pic.master)).toBe(0);
  });
});

describe("8259A priority (datasheet: Fully Nested Mode, OCW2 rotation)", () => {
  it("IRQ3 in service: IRQ5 blocked, IRQ1 preempts; non-specific EOI clears IRQ1 first", () => {
    const pic = initPc();
    pic.irq(3).raise();
    expect(pic.acknowledge()).toBe(0x23);
    pic.irq(5).raise();
    expect(pic.interruptPending()).toBe(false);
    pic.irq(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
    expect(readIsr(pic.master)).toBe(0x0a);
    pic.master.write(0, 1, 0x20); // non-specific EOI
    expect(readIsr(pic.master)).toBe(0x08);
    expect(pic.interruptPending()).toBe(false);
    pic.master.write(0, 1, 0x63); // specific EOI IR3
    expect(pic.acknowledge()).toBe(0x25);
  });
  it("IRQ0 and IRQ1 pending together → IRQ0 first (IR0 highest after init)", () => {
    const pic = initPc();
    pic.irq(1).raise();
    pic.irq(0).raise();
    expect(pic.acknowledge()).toBe(0x20);
  });
  it("OCW2 0xA0 rotate on non-specific EOI after IRQ0 → IRQ0 lowest: IRQ0+IRQ7 pending → IRQ7 (0x27) first", () => {
    const pic = initPc();
    pic.irq(0).raise();
    expect(pic.acknowledge()).toBe(0x20);
    pic.master.write(0, 1, 0xa0);
    pic.irq(0).lower();
    pic.irq(0).raise();
    pic.irq(7).raise();
    expect(pic.acknowledge()).toBe(0x27);
  });
  it("OCW2 0xC4 set priority (IR4 lowest) → IR5 highest: IRQ3 and IRQ5 pending → IRQ5 first", () => {
    const pic = initPc();
    pic.master.write(0, 1, 0xc4);
    pic.irq(3).raise();
    pic.irq(5).raise();
    expect(pic.acknowledge()).toBe(0x25);
  });
  it("OCW2 0xE3 rotate on specific EOI: clears ISR3 and makes IR3 lowest", () => {
    const pic = initPc();
    pic.irq(3).raise();
    pic.acknowledge();
    pic.master.write(0, 1, 0xe3);
    expect(readIsr(pic.master)).toBe(0);
    pic.irq(4).raise();
    pic.irq(6).raise();
    expect(pic.acknowledge()).toBe(0x24); // IR4 is now the highest
  });
  it("ICW4 0x03 auto-EOI: INTA leaves ISR clear, so an equal-priority request is served at once", () => {
    const pic = initPc(new DualPic(), 0x20, 0x28, 0x03);
    pic.irq(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
    expect(readIsr(pic.master)).toBe(0);
    pic.irq(1).lower();
    pic.irq(1).raise();
    expect(pic.interruptPending()).toBe(true);
  });
  it("OCW2 0x80 rotate in auto-EOI mode: each acknowledged level becomes lowest", () => {
    const pic = initPc(new DualPic(), 0x20, 0x28, 0x03);
    pic.master.write(0, 1, 0x80);
    pic.irq(0).raise();
    pic.irq(3).raise();
    expect(pic.acknowledge()).toBe(0x20);
    pic.irq(0).lower();
    pic.irq(0).raise();
    expect(pic.acknowledge()).toBe(0x23);
  });
  it("OCW3 0x68 special mask mode: lower-priority IRQ6 served while masked IRQ4 is in service", () => {
    const pic = initPc();
    pic.irq(4).raise();
    expect(pic.acknowledge()).toBe(0x24);
    pic.irq(6).raise();
    expect(pic.interruptPending()).toBe(false);
    pic.master.write(1, 1, 0x10); // mask IR4
    pic.master.write(0, 1, 0x68); // ESMM=1 SMM=1
    expect(pic.acknowledge()).toBe(0x26);
    pic.master.write(0, 1, 0x48); // ESMM=1 SMM=0: back to normal
    expect(pic.master.specialMask).toBe(false);
  });
  it("OCW3 0x0c poll: next read of port 0x20 → 0x80|level and sets ISR; none pending → 0x00", () => {
    const pic = initPc();
    pic.irq(5).raise();
    pic.master.write(0, 1, 0x0c);
    expect(pic.master.read(0)).toBe(0x85);
    expect(readIsr(pic.master)).toBe(0x20);
    pic.master.write(0, 1, 0x0c);
    expect(pic.master.read(0)).toBe(0x00);
  });
  it("OCW3 RR/RIS: 0x0b selects ISR, 0x0a IRR; OCW3 without RR leaves the selection", () => {
    const pic = initPc();
    pic.irq(6).raise();
    pic.master.write(0, 1, 0x0b);
    expect(pic.master.read(0)).toBe(0x00);
    pic.master.write(0, 1, 0x08);
    expect(pic.master.read(0)).toBe(0x00);
    pic.master.write(0, 1, 0x0a);
    expect(pic.master.read(0)).toBe(0x40);
  });
});

describe("8259A cascade on IR2 (datasheet: Cascade Mode)", () => {
  it("IRQ10 → master IR2 → slave supplies vector 0x28+2; master IS2 and slave IS2 set", () => {
    const pic = initPc();
    pic.irq(10).raise();
    expect(pic.interruptPending()).toBe(true);
    expect(pic.acknowledge()).toBe(0x2a);
    expect(readIsr(pic.master)).toBe(0x04);
    expect(readIsr(pic.slave)).toBe(0x04);
    pic.slave.write(0, 1, 0x20);
    pic.master.write(0, 1, 0x20);
    expect(readIsr(pic.master)).toBe(0);
  });
  it("slave IRQ8 and IRQ12 pending: after EOI of IRQ8 on both chips the slave re-requests → IRQ12", () => {
    const pic = initPc();
    pic.irq(12).raise();
    pic.irq(8).raise();
    expect(pic.acknowledge()).toBe(0x28);
    expect(pic.interruptPending()).toBe(false);
    pic.slave.write(0, 1, 0x20);
    pic.master.write(0, 1, 0x20);
    expect(pic.acknowledge()).toBe(0x2c);
  });
  it("IRQ1 outranks a slave IRQ (IR1 above IR2 on the master)", () => {
    const pic = initPc();
    pic.irq(9).raise();
    pic.irq(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
  });
  it("masking IR2 on the master masks every slave IRQ", () => {
    const pic = initPc();
    pic.master.write(1, 1, 0x04);
    pic.irq(14).raise();
    expect(pic.interruptPending()).toBe(false);
    pic.master.write(1, 1, 0x00);
    expect(pic.acknowledge()).toBe(0x2e);
  });
  it("ICW4 SFNM on the master: a higher slave IRQ nests while a slave IRQ is in service", () => {
    const pic = initPc();
    pic.master.write(0, 1, 0x11);
    pic.master.write(1, 1, 0x20);
    pic.master.write(1, 1, 0x04);
    pic.master.write(1, 1, 0x11); // uPM + SFNM
    pic.irq(12).raise();
    expect(pic.acknowledge()).toBe(0x2c);
    pic.irq(9).raise();
    expect(pic.acknowledge()).toBe(0x29);
  });
  it("spurious IRQ15: level-triggered IRQ9 drops after the master latched IR2 → vector 0x2f, master IS2 set, slave ISR clear", () => {
    const pic = initPc();
    pic.elcr.write(1, 1, 0x02);
    pic.irq(9).raise();
    pic.irq(9).lower();
    expect(pic.interruptPending()).toBe(true);
    expect(pic.acknowledge()).toBe(0x2f);
    expect(readIsr(pic.master)).toBe(0x04);
    expect(readIsr(pic.slave)).toBe(0x00);
  });
});

describe("ELCR 0x4D0/0x4D1 (PIIX3 datasheet: ELCR1/ELCR2)", () => {
  it("write 0xff to both → reads 0xf8 and 0xde (IRQ 0, 1, 2, 8, 13 are edge only)", () => {
    const pic = initPc();
    pic.elcr.write(0, 1, 0xff);
    pic.elcr.write(1, 1, 0xff);
    expect(pic.elcr.read(0)).toBe(0xf8);
    expect(pic.elcr.read(1)).toBe(0xde);
  });
  it("level-triggered IRQ11 still high after EOI → requested again", () => {
    const pic = initPc();
    pic.elcr.write(1, 1, 0x08);
    pic.irq(11).raise();
    expect(pic.acknowledge()).toBe(0x2b);
    pic.slave.write(0, 1, 0x20);
    pic.master.write(0, 1, 0x20);
    expect(pic.interruptPending()).toBe(true);
    pic.irq(11).lower();
    expect(readIrr(pic.slave)).toBe(0);
  });
  it("level-triggered IRQ5 dropped before INTA → spurious IR7 (0x27)", () => {
    const pic = initPc();
    pic.elcr.write(0, 1, 0x20);
    pic.irq(5).raise();
    expect(pic.interruptPending()).toBe(true);
    pic.irq(5).lower();
    expect(pic.acknowledge()).toBe(0x27);
  });
  it("ICW1 LTIM=1 (0x19) makes every input level-triggered", () => {
    const pic = new DualPic();
    pic.master.write(0, 1, 0x19);
    pic.master.write(1, 1, 0x08);
    pic.master.write(1, 1, 0x04);
    pic.master.write(1, 1, 0x01);
    pic.irq(1).raise();
    pic.irq(1).lower();
    expect(pic.interruptPending()).toBe(false);
  });
});

describe("8259A pair save/restore", () => {
  it("restore into a fresh pair → the same acknowledge sequence and register reads", () => {
    const a = initPc();
    a.elcr.write(1, 1, 0x08);
    a.master.write(0, 1, 0xc3);
    a.irq(4).raise();
    a.irq(11).raise();
    a.irq(6).raise();
    a.acknowledge();
    const b = new DualPic();
    b.restore(structuredClone(a.save()));
    for (const p of [a, b]) {
      p.master.write(0, 1, 0x20);
      p.irq(1).raise();
    }
    const seq = (p: DualPic) => [p.acknowledge(), p.acknowledge(), p.acknowledge(), readIsr(p.master), readIsr(p.slave), readIrr(p.master), p.elcr.read(1)];
    expect(seq(b)).toEqual(seq(a));
  });
  it("ICW4 uPM=0 (MCS-80 mode) → reported once as not modelled", () => {
    const msgs: string[] = [];
    const pic = new DualPic(new Reporter((r) => msgs.push(r.message)));
    pic.master.write(0, 1, 0x13);
    pic.master.write(1, 1, 0x08);
    pic.master.write(1, 1, 0x00);
    expect(msgs.join()).toMatch(/MCS-80/);
  });
});
