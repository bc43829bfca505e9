import { describe, expect, it } from "vitest";
import { Reporter } from "../../src/devices/device.js";
import { I8042 } from "../../src/devices/i8042.js";
import { IrqLevels } from "../../src/devices/irq.js";

function setup(commandByte?: number) {
  const irqs = new IrqLevels(2);
  const events: string[] = [];
  const reports: string[] = [];
  const kbc = new I8042({
    irq1: irqs.line(0),
    irq12: irqs.line(1),
    onA20: (on) => events.push(`a20=${on}`),
    onReset: () => events.push("reset"),
    reporter: new Reporter((r) => reports.push(r.message)),
    commandByte,
  });
  const cmd = (v: number) => kbc.commandPort.write(0, 1, v);
  const data = (v: number) => kbc.dataPort.write(0, 1, v);
  const status = () => kbc.commandPort.read(0, 1);
  const read = () => kbc.dataPort.read(0, 1);
  /** Reads the output buffer while OBF is set. */
  const drain = () => {
    const out: number[] = [];
    while (status() & 1) out.push(read());
    return out;
  };
  return { kbc, irqs, events, reports, cmd, data, status, read, drain };
}

describe("8042 controller commands (port 0x64)", () => {
  it("0xAA self test → 0x55 in the output buffer, status OBF|SYS, A2 set by the command write", () => {
    const s = setup();
    s.cmd(0xaa);
    expect(s.status() & 0x0f).toBe(0x0d);
    expect(s.drain()).toEqual([0x55]);
    expect(s.status() & 0x01).toBe(0);
  });
  it("0x20 reads the command byte; 0x60 then data 0x47 writes it; A2 clear after a data write", () => {
    const s = setup();
    s.cmd(0x20);
    expect(s.drain()).toEqual([0x45]);
    s.cmd(0x60);
    s.data(0x47);
    expect(s.status() & 0x08).toBe(0);
    s.cmd(0x20);
    expect(s.drain()).toEqual([0x47]);
  });
  it("0xAB keyboard interface test → 0x00; 0xA9 aux interface test → 0x00", () => {
    const s = setup();
    s.cmd(0xab);
    expect(s.drain()).toEqual([0x00]);
    s.cmd(0xa9);
    expect(s.drain()).toEqual([0x00]);
  });
  it("0xAD sets command byte bit 4 and holds keyboard bytes back; 0xAE releases them", () => {
    const s = setup();
    s.cmd(0xad);
    s.cmd(0x20);
    expect(s.drain()).toEqual([0x55]);
    s.kbc.sendKeyboardBytes([0x1e]);
    expect(s.status() & 1).toBe(0);
    s.cmd(0xae);
    expect(s.drain()).toEqual([0x1e]);
  });
  it("0xA7/0xA8 set and clear command byte bit 5 (aux disabled)", () => {
    const s = setup();
    s.cmd(0xa7);
    expect(s.kbc.commandByte & 0x20).toBe(0x20);
    s.cmd(0xa8);
    expect(s.kbc.commandByte & 0x20).toBe(0);
  });
  it("0xD3 0x5a (write aux output buffer) → 0x5a with status AUXB and IRQ 12 when command byte bit 1 is set (Linux AUX loopback test)", () => {
    const s = setup(0x47);
    s.cmd(0xd3);
    s.data(0x5a);
    expect(s.status() & 0x21).toBe(0x21);
    expect(s.irqs.levels).toEqual(new Uint8Array([0, 1]));
    expect(s.read()).toBe(0x5a);
    expect(s.irqs.levels[1]).toBe(0);
  });
  it("0xD0 reads the output port (reset and A20 high at start); 0xD1 0x01 clears A20 → onA20(false)", () => {
    const s = setup();
    s.cmd(0xd0);
    expect(s.drain()).toEqual([0x03]);
    s.cmd(0xd1);
    s.data(0x01);
    expect(s.events).toEqual(["a20=false"]);
    s.cmd(0xd1);
    s.data(0x03);
    expect(s.events).toEqual(["a20=false", "a20=true"]);
  });
  it("0xFE pulses the reset line → onReset; 0xFF pulses nothing", () => {
    const s = setup();
    s.cmd(0xff);
    expect(s.events).toEqual([]);
    s.cmd(0xfe);
    expect(s.events).toEqual(["reset"]);
  });
  it("an unmodelled command (0xC1) is reported once", () => {
    const s = setup();
    s.cmd(0xc1);
    s.cmd(0xc1);
    expect(s.reports).toEqual(["8042: controller command 0xc1 not modelled; ignored"]);
  });
  it("0xD4 to an absent aux device: dropped and reported, no reply", () => {
    const s = setup();
    s.cmd(0xd4);
    s.data(0xf2);
    expect(s.status() & 1).toBe(0);
    expect(s.reports.join()).toMatch(/no auxiliary/);
  });
});

describe("8042 keyboard (port 0x60 data to the MF2 keyboard)", () => {
  it("0xFF reset → 0xFA (ACK) then 0xAA (BAT passed)", () => {
    const s = setup();
    s.data(0xff);
    expect(s.drain()).toEqual([0xfa, 0xaa]);
  });
  it("0xF2 identify with translation (command byte bit 6) → FA AB 41; without → FA AB 83", () => {
    const s = setup();
    s.data(0xf2);
    expect(s.drain()).toEqual([0xfa, 0xab, 0x41]);
    s.cmd(0x60);
    s.data(0x05);
    s.data(0xf2);
    expect(s.drain()).toEqual([0xfa, 0xab, 0x83]);
  });
  it("0xF5 disable / 0xF4 enable scanning → ACK each; 0xED LEDs takes a parameter → ACK ACK", () => {
    const s = setup();
    s.data(0xf5);
    expect(s.kbc.scanning).toBe(false);
    s.data(0xf4);
    expect(s.kbc.scanning).toBe(true);
    s.data(0xed);
    s.data(0x07);
    expect(s.drain()).toEqual([0xfa, 0xfa, 0xfa, 0xfa]);
    expect(s.kbc.leds).toBe(7);
  });
  it("0xEE echo → 0xEE; an unknown keyboard command → 0xFE (resend)", () => {
    const s = setup();
    s.data(0xee);
    s.data(0x01);
    expect(s.drain()).toEqual([0xee, 0xfe]);
  });
  it("IRQ 1 rises with each keyboard byte when command byte bit 0 is set, falls when 0x60 is read", () => {
    const s = setup();
    s.data(0xff);
    expect(s.irqs.levels[0]).toBe(1);
    s.read();
    expect(s.irqs.levels[0]).toBe(1);
    expect(s.irqs.rises[0]).toBe(2); // a new edge for the second byte
    s.read();
    expect(s.irqs.levels[0]).toBe(0);
  });
  it("command byte bit 0 clear (0x44) → no IRQ 1 for keyboard bytes", () => {
    const s = setup(0x44);
    s.data(0xff);
    expect(s.irqs.rises[0]).toBe(0);
    expect(s.drain()).toEqual([0xfa, 0xaa]);
  });
});

describe("8042 save/restore", () => {
  it("restore with a queued reply and a pending 0xD1 → the same bytes and output-port effect", () => {
    const a = setup();
    a.data(0xf2);
    a.read();
    a.cmd(0xd1);
    const b = setup();
    b.kbc.restore(structuredClone(a.kbc.save()));
    for (const s of [a, b]) s.data(0x01);
    expect(b.drain()).toEqual(a.drain());
    expect(b.events).toEqual(["a20=false"]);
  });
});
