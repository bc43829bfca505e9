import { describe, expect, it } from "vitest";
import { IrqLevels } from "../../src/devices/irq.js";
import { Uart16550 } from "../../src/devices/uart.js";
import { makeClock } from "./helpers.js";

const RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function setup() {
  const c = makeClock();
  const irqs = new IrqLevels(1);
  const sent: number[] = [];
  const uart = new Uart16550(c.clock, irqs.line(0), { onTransmit: (b) => sent.push(b) });
  const out = (o: number, v: number) => uart.write(o, 1, v);
  const inb = (o: number) => uart.read(o);
  return { ...c, irqs, uart, sent, out, inb };
}

describe("16550 registers (PC16550D datasheet: Register Summary)", () => {
  it("THR write 'A' (0x41) → onTransmit(0x41); LSR THRE|TEMT (0x60) stay set", () => {
    const s = setup();
    s.out(0, 0x41);
    expect(s.sent).toEqual([0x41]);
    expect(s.inb(LSR)).toBe(0x60);
  });
  it("LCR DLAB=1 (0x83): offsets 0/1 are DLL/DLM (divisor 0x0001 = 115200 baud); DLAB=0 restores THR/IER", () => {
    const s = setup();
    s.out(LCR, 0x83);
    s.out(0, 0x01);
    s.out(1, 0x00);
    expect(s.inb(0)).toBe(0x01);
    expect(s.inb(1)).toBe(0x00);
    expect(s.sent).toEqual([]);
    s.out(LCR, 0x03);
    expect(s.inb(LCR)).toBe(0x03);
    expect(s.inb(IER)).toBe(0x00);
  });
  it("IER keeps bits 3-0 only: write 0xff → reads 0x0f (Linux 8250 autoconfig IER test)", () => {
    const s = setup();
    s.out(IER, 0xff);
    expect(s.inb(IER)).toBe(0x0f);
    s.out(IER, 0);
    expect(s.inb(IER)).toBe(0);
  });
  it("SCR holds any byte", () => {
    const s = setup();
    s.out(SCR, 0xa5);
    expect(s.inb(SCR)).toBe(0xa5);
  });
  it("FCR 0x01 enables the FIFOs → IIR bits 7-6 = 11 (a 16550A); FCR 0x00 → 00", () => {
    const s = setup();
    expect(s.inb(IIR)).toBe(0x01);
    s.out(FCR, 0x01);
    expect(s.inb(IIR)).toBe(0xc1);
    s.out(FCR, 0x00);
    expect(s.inb(IIR)).toBe(0x01);
  });
  it("MCR loopback 0x1a (LOOP|OUT2|RTS) → MSR bits 7-4 = 0x90 (DCD←OUT2, CTS←RTS); THR loops to RBR, nothing transmitted", () => {
    const s = setup();
    s.out(MCR, 0x1a);
    expect(s.inb(MSR) & 0xf0).toBe(0x90);
    s.out(MCR, 0x1f);
    expect(s.inb(MSR) & 0xf0).toBe(0xf0);
    s.out(0, 0x55);
    expect(s.inb(LSR) & 0x01).toBe(0x01);
    expect(s.inb(RBR)).toBe(0x55);
    expect(s.sent).toEqual([]);
    expect(s.uart.receive(0x11)).toBe(false); // the RX pin is disconnected in loopback
  });
  it("outside loopback MSR reports a connected terminal (DCD, DSR, CTS) and deltas when inputs change", () => {
    const s = setup();
    expect(s.inb(MSR)).toBe(0xb0);
    s.uart.setModemInputs(0x30); // DCD drops
    expect(s.inb(MSR)).toBe(0x38); // DDCD
    expect(s.inb(MSR)).toBe(0x30); // reading MSR clears the deltas
  });
});

describe("16550 interrupts (datasheet: Interrupt Identification Register, Table IV)", () => {
  it("IER ETBEI with THR empty → IIR 0x02; reading IIR clears it; re-enabling ETBEI re-arms it (Linux UART_BUG_THRE probe)", () => {
    const s = setup();
    s.out(IER, 0x02);
    expect(s.inb(IIR)).toBe(0x02);
    expect(s.inb(IIR)).toBe(0x01);
    s.out(IER, 0x00);
    s.out(IER, 0x02);
    expect(s.inb(IIR)).toBe(0x02);
  });
  it("THR write with ETBEI → THRE interrupt again once the byte leaves THR", () => {
    const s = setup();
    s.out(IER, 0x02);
    s.inb(IIR);
    s.out(0, 0x30);
    expect(s.inb(IIR)).toBe(0x02);
  });
  it("IRQ line follows INTR only with MCR OUT2 (PC wiring): pending THRE with OUT2=0 → low, OUT2=1 → high", () => {
    const s = setup();
    s.out(IER, 0x02);
    expect(s.irqs.levels[0]).toBe(0);
    s.out(MCR, 0x0b);
    expect(s.irqs.levels[0]).toBe(1);
    s.inb(IIR);
    expect(s.irqs.levels[0]).toBe(0);
  });
  it("priority: overrun (RLS 0x06) > received data (0x04) > THRE (0x02) > modem status (0x00), each cleared by its own action", () => {
    const s = setup();
    s.out(MCR, 0x08);
    s.uart.receive(0x61);
    s.uart.receive(0x62); // no FIFO: overruns the unread byte
    s.uart.setModemInputs(0xa0); // CTS drops → DCTS
    s.out(IER, 0x0f);
    expect(s.inb(IIR)).toBe(0x06);
    expect(s.inb(LSR)).toBe(0x63); // DR | OE | THRE | TEMT; reading LSR clears OE
    expect(s.inb(IIR)).toBe(0x04);
    expect(s.inb(RBR)).toBe(0x62); // 16450 mode: the newer byte overwrote RBR
    expect(s.inb(IIR)).toBe(0x02);
    expect(s.inb(IIR)).toBe(0x00);
    expect(s.inb(MSR) & 0x0f).toBe(0x01);
    expect(s.inb(IIR)).toBe(0x01);
    expect(s.irqs.levels[0]).toBe(0);
  });
  it("FCR 0x81 (trigger 8): 7 bytes → no RDA interrupt; the 8th → IIR 0xc4; draining below 8 clears it", () => {
    const s = setup();
    s.out(FCR, 0x81);
    s.out(IER, 0x01);
    for (let i = 0; i < 7; i++) s.uart.receive(0x30 + i);
    expect(s.inb(IIR)).toBe(0xc1);
    s.uart.receive(0x37);
    expect(s.inb(IIR)).toBe(0xc4);
    const got = [s.inb(RBR)];
    expect(s.inb(IIR)).toBe(0xc1);
    while (s.inb(LSR) & 1) got.push(s.inb(RBR));
    expect(got).toEqual([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37]);
  });
  it("character timeout: 1 byte below the trigger, no activity for 4 character times (8N1, 115200: 4 × 86805.6 ns) → IIR 0xcc", () => {
    const s = setup();
    s.out(LCR, 0x03);
    s.out(FCR, 0xc1); // trigger 14
    s.out(IER, 0x01);
    s.advanceTo(1000);
    s.uart.receive(0x7a);
    const timeout = 1000 + Math.ceil((4 * 10 * 1e9) / 115200); // 347223 ns later
    s.advanceTo(timeout - 1);
    expect(s.inb(IIR)).toBe(0xc1);
    s.advanceTo(timeout);
    expect(s.inb(IIR)).toBe(0xcc);
    expect(s.inb(RBR)).toBe(0x7a);
    expect(s.inb(IIR)).toBe(0xc1);
  });
  it("16-byte receive FIFO: the 17th byte is lost and sets OE; the 16 stay in order", () => {
    const s = setup();
    s.out(FCR, 0x01);
    for (let i = 0; i < 16; i++) expect(s.uart.receive(i)).toBe(true);
    expect(s.uart.canReceive()).toBe(false);
    expect(s.uart.receive(99)).toBe(false);
    expect(s.inb(LSR) & 0x03).toBe(0x03);
    const got: number[] = [];
    while (s.inb(LSR) & 1) got.push(s.inb(RBR));
    expect(got).toEqual([...Array(16).keys()]);
  });
  it("FCR 0x03 (RX FIFO reset) empties the receive FIFO", () => {
    const s = setup();
    s.out(FCR, 0x01);
    s.uart.receive(1);
    s.uart.receive(2);
    s.out(FCR, 0x03);
    expect(s.inb(LSR) & 1).toBe(0);
  });
});

describe("16550 save/restore", () => {
  it("restore mid-FIFO with a pending timeout → same bytes, IIR sequence and timeout time", () => {
    const a = setup();
    a.out(LCR, 0x03);
    a.out(FCR, 0x81);
    a.out(IER, 0x05);
    a.out(MCR, 0x0b);
    a.advanceTo(5000);
    for (const b of [1, 2, 3]) a.uart.receive(b);
    a.advanceTo(10_000);
    const saved = structuredClone(a.uart.save());
    const b = setup();
    b.advanceTo(10_000);
    b.uart.restore(saved);
    const trace = (s: ReturnType<typeof setup>) => {
      const out = [s.inb(IIR)];
      s.advanceTo(5000 + 347_222);
      out.push(s.inb(IIR));
      s.advanceTo(5000 + 347_223);
      out.push(s.inb(IIR), s.irqs.levels[0]);
      while (s.inb(LSR) & 1) out.push(s.inb(RBR));
      return out;
    };
    expect(trace(b)).toEqual(trace(a));
  });
});
