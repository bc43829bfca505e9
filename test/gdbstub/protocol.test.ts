// Protocol-level transcripts over TCP with a raw client (no gdb): malformed input never takes the stub down.
import { afterEach, describe, expect, it } from "vitest";
import { Machine } from "../../src/vmx/machine.js";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { encodePacket, MAX_PACKET } from "../../src/gdbstub/packet.js";
import { helloMachine, rawClient, serve, type Served } from "./helpers.js";

let s: Served | undefined;
afterEach(async () => { await s?.close(); s = undefined; });

/** The data of the last complete $...#cs packet in `text`. */
function lastPacket(text: string): string {
  const all = [...text.matchAll(/\$([^#$]*)#[0-9a-f]{2}/g)];
  return all.length ? all[all.length - 1][1] : "<none>";
}

/** Flat 32-bit machine looping on `jmp $` (eb fe) at 0x1000: runs until interrupted. */
function spinMachine(): Machine {
  const m = new Machine({ memBytes: 1 << 20, apic: false, pci: false });
  m.loadBytes(0x1000, Uint8Array.of(0xeb, 0xfe));
  m.enter({ mode: "flat32", eip: 0x1000, esp: 0x8000 });
  return m;
}

describe("gdb remote protocol over TCP", () => {
  it("bad checksum → '-', then the same packet with a good checksum → '+' and a reply", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const c = await rawClient(s.port);
    c.send("$qC#00");
    expect(await c.until(0, (x) => x.length > 0)).toBe("-");
    c.send(encodePacket("qC"));
    const got = await c.reply();
    expect(got.startsWith("-+")).toBe(true);
    expect(lastPacket(got)).toBe("QC1");
    c.close();
  });

  it("unknown packet qX86rrNope → empty reply $#00; garbage bytes between packets are ignored", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const c = await rawClient(s.port);
    c.send("garbage\x01\xff");
    c.packet("qX86rrNope");
    const got = await c.reply();
    expect(got).toContain("$#00");
    c.packet("?");
    expect(lastPacket(await c.reply())).toMatch(/^T05/);
    c.close();
  });

  it("oversized packet → E22, and the stub still answers afterwards", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const c = await rawClient(s.port);
    c.send(encodePacket("M0,1:" + "00".repeat(MAX_PACKET)));
    expect(lastPacket(await c.reply())).toBe("E22");
    c.packet("qAttached");
    expect(lastPacket(await c.reply())).toBe("1");
    c.close();
  });

  it("malformed m/Z/p/G packets → error replies, not a crash", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const c = await rawClient(s.port);
    for (const p of ["mzz,1", "m7c00", "Z9,1,1", "Z2,0,zz", "pzz", "Gabc", "X7c00,2:a"]) {
      c.packet(p);
      const r = lastPacket(await c.reply());
      expect(r === "" || /^E[0-9a-f]{2}$/.test(r), `${p} → ${r}`).toBe(true);
    }
    c.packet("m7c00,2");
    expect(lastPacket(await c.reply())).toBe("fa31"); // hello.asm starts with cli (fa), xor ax,ax (31 c0)
    c.close();
  });

  it("Z0 at puts32 (0x7c8f) → OK, and guest memory there still holds lodsb (ac), not int3 (cc); c stops there with swbreak", async () => {
    const t = new MachineTarget(helloMachine());
    s = await serve(t);
    const c = await rawClient(s.port);
    c.packet("Z0,7c8f,1");
    expect(lastPacket(await c.reply())).toBe("OK");
    expect(t.machine.mem.bytes[0x7c8f]).toBe(0xac);
    c.packet("vCont;c:1");
    expect(lastPacket(await c.reply())).toBe("T05swbreak:;thread:1;");
    c.packet("z0,7c8f,1");
    expect(lastPacket(await c.reply())).toBe("OK");
    c.close();
  });

  it("X with escaped binary data writes the unescaped bytes (}] → })", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const c = await rawClient(s.port);
    c.send(encodePacket(Buffer.concat([Buffer.from("X90000,2:"), Buffer.from([0x7d, 0x24])])));
    expect(lastPacket(await c.reply())).toBe("OK");
    c.packet("m90000,2");
    expect(lastPacket(await c.reply())).toBe("7d24");
    c.close();
  });

  it("QStartNoAckMode → OK, then no more '+' acks", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const c = await rawClient(s.port);
    c.packet("QStartNoAckMode");
    expect(await c.reply()).toBe("+$OK#9a");
    c.packet("qC");
    expect(await c.reply()).toBe("+$OK#9a$QC1#c5");
    c.close();
  });

  it("a second client while one is attached is refused with a clear message; the first keeps working", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const first = await rawClient(s.port);
    first.packet("qC");
    await first.reply();
    const second = await rawClient(s.port);
    expect(await second.reply()).toContain("another debugger is already attached");
    first.packet("qfThreadInfo");
    expect(lastPacket(await first.reply())).toBe("m1");
    first.close();
    second.close();
  });

  it("c on a guest spinning in jmp $ keeps running; ^C (0x03) stops it with T02 at the loop", async () => {
    const t = new MachineTarget(spinMachine());
    s = await serve(t);
    const c = await rawClient(s.port);
    c.packet("c");
    await c.wait(300);
    expect(t.machine.cpu.icount).toBeGreaterThan(20_000);
    c.send("\x03");
    const r = lastPacket(await c.reply());
    expect(r).toMatch(/^T02/);
    c.packet("p8");
    expect(lastPacket(await c.reply())).toBe("00100000"); // eip 0x1000, little-endian
    c.close();
  });

  it("bc then ^C in the same read → T02, the machine left where the scan began (nothing searched yet)", async () => {
    const t = new MachineTarget(spinMachine(), { snapshotEvery: 1000 });
    s = await serve(t);
    const c = await rawClient(s.port);
    c.packet("c");
    await c.wait(200);
    c.send("\x03");
    await c.reply();
    const end = t.machine.cpu.icount;
    c.packet("Z0,5000,1");
    await c.reply();
    c.send(Buffer.concat([encodePacket("bc"), Buffer.of(3)]));
    expect(lastPacket(await c.reply())).toMatch(/^T02/);
    expect(t.machine.cpu.icount).toBe(end);
    c.close();
  });

  it("qSupported advertises PacketSize, target description, swbreak/hwbreak, reverse step/continue, vContSupported; vCont? lists c/s", async () => {
    s = await serve(new MachineTarget(helloMachine()));
    const c = await rawClient(s.port);
    c.packet("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
    const r = lastPacket(await c.reply());
    for (const f of [`PacketSize=${MAX_PACKET.toString(16)}`, "qXfer:features:read+", "swbreak+", "hwbreak+", "ReverseStep+", "ReverseContinue+", "vContSupported+"]) expect(r).toContain(f);
    c.packet("vCont?");
    expect(lastPacket(await c.reply())).toBe("vCont;c;C;s;S");
    c.close();
  });
});
