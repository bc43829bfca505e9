import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/bus.js";
import { DebugConsolePort, DebugExitPort, PostCodePort } from "../../src/devices/debug-ports.js";

describe("debug ports", () => {
  it("out 0xf4, al=0x10 → exit code (0x10 << 1) | 1 = 0x21; out dx,eax 0 → 1", () => {
    const codes: number[] = [];
    const io = new IoBus(() => {});
    io.register(0xf4, 4, new DebugExitPort((c) => codes.push(c)));
    io.write(0xf4, 1, 0x10);
    io.write(0xf4, 4, 0);
    expect(codes).toEqual([0x21, 1]);
  });
  it("out 0xe9 'h','i' → console bytes; in al,0xe9 → 0xe9 (port presence check)", () => {
    const bytes: number[] = [];
    const p = new DebugConsolePort((b) => bytes.push(b));
    p.write(0, 1, 0x68);
    p.write(0, 1, 0x69);
    expect(String.fromCharCode(...bytes)).toBe("hi");
    expect(p.read()).toBe(0xe9);
  });
  it("out 0x80 codes 0x12 then 0x34 → last code 0x34, reported to the callback in order", () => {
    const seen: number[] = [];
    const p = new PostCodePort((c) => seen.push(c));
    expect(p.read()).toBe(0xff);
    p.write(0, 1, 0x12);
    p.write(0, 1, 0x34);
    expect(p.lastCode).toBe(0x34);
    expect(seen).toEqual([0x12, 0x34]);
  });
});
