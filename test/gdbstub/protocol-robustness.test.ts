// Hostile input over TCP against both kinds of target (a live machine and a replayed trace): each
// malformed packet, bad checksum, oversized length or unknown packet gets an error, a nak or the
// empty reply, and the same session keeps answering, stepping and reverse-stepping afterwards.
// Oracle for the bytes read back: guests/hello.asm (cli = fa, xor ax,ax = 31 c0) and the RSP
// manual's framing rules.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { findGuest, readGuestImage } from "../../src/cli/guests.js";
import { MachineTarget } from "../../src/gdbstub/machine-target.js";
import { encodePacket, MAX_PACKET } from "../../src/gdbstub/packet.js";
import { openReplayTarget } from "../../src/gdbstub/replay-target.js";
import { recordRun } from "../../src/replay/session.js";
import { helloMachine, rawClient, serve, type Served } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "x86rr-gdbrobust-"));
let s: Served | undefined;
afterEach(async () => { await s?.close(); s = undefined; });

beforeAll(() => {
  const g = findGuest("hello")!;
  recordRun({
    guest: { name: g.name, image: readGuestImage(g), loadAddress: g.loadAddress, entry: g.entry, memBytes: g.memBytes },
    path: join(dir, "hello.x86rr"), createdAt: "2026-11-23T00:00:00Z",
    world: { wallClockMs: () => 1_700_000_000_000, pollSerial: () => null, waitForInput: () => false },
  });
});

/** A complete reply packet, or a nak with nothing after it. */
const replied = (got: string) => /\$[^#$]*#[0-9a-f]{2}/.test(got) || /^\+?-$/.test(got);
const aPacket = (got: string) => /\$[^#$]*#[0-9a-f]{2}/.test(got);

function lastPacket(text: string): string {
  const all = [...text.matchAll(/\$([^#$]*)#[0-9a-f]{2}/g)];
  return all.length ? all[all.length - 1][1] : "<none>";
}

const targets: [string, () => MachineTarget][] = [
  ["live hello", () => new MachineTarget(helloMachine())],
  ["replayed hello trace", () => openReplayTarget(join(dir, "hello.x86rr"), { image: (n) => readGuestImage(findGuest(n)!), snapshotEvery: 64 })],
];

/** Raw bytes and the replies allowed for each: "nak" = '-', "err" = E.., "" = the empty reply, "reply X" = packet X. */
const hostile: [string, Buffer | string, string[]][] = [
  ["bad checksum", "$qC#00", ["nak"]],
  ["non-hex checksum", "$qC#zz", ["nak"]],
  ["a packet cut off by the next '$'", "$m7c00,2$qC#" + "00", ["nak"]],
  ["unknown packet", encodePacket("qX86rrNope"), [""]],
  ["unknown v packet", encodePacket("vFrobnicate;1"), [""]],
  ["unknown letter", encodePacket("j"), [""]],
  ["m with a length of 4 GiB - 1", encodePacket("m7c00,ffffffff"), ["err"]],
  ["m with a 17-digit length", encodePacket("m7c00,100000000000000000"), ["err"]],
  ["m with a 40-digit address", encodePacket("m" + "f".repeat(40) + ",4"), ["err"]],
  ["M whose length disagrees with its data", encodePacket("M7c00,ffff:00"), ["err"]],
  ["X whose length disagrees with its data", encodePacket("X7c00,100:\x01"), ["err"]],
  ["data longer than PacketSize", encodePacket("M0,1:" + "00".repeat(MAX_PACKET)), ["err"]],
  ["run-length expanding past PacketSize", "$0" + "*~".repeat(200) + "#" + "00", ["nak", "err"]],
  ["watchpoint of 4 GiB - 1 bytes", encodePacket("Z2,80000,ffffffff"), ["err", ""]],
  ["breakpoint kind 99", encodePacket("Z99,7c00,1"), ["err", ""]],
  ["qXfer offset past the document", encodePacket("qXfer:features:read:target.xml:ffffffff,ffff"), ["err", "", "reply l"]],
  ["qXfer unknown annex", encodePacket("qXfer:features:read:nope.xml:0,100"), ["err", ""]],
  ["P of register 9999", encodePacket("P270f=00000000"), ["err"]],
  ["p with no number", encodePacket("p"), ["err"]],
  ["G too short", encodePacket("G00"), ["err"]],
  ["vCont with an unknown action", encodePacket("vCont;q:1"), ["err", ""]],
  ["qRcmd with odd hex", encodePacket("qRcmd,6"), ["err", ""]],
  ["monitor seek to a negative icount", encodePacket("qRcmd," + Buffer.from("seek -5").toString("hex")), ["err", ""]],
];

for (const [name, make] of targets) {
  describe(`hostile protocol input, ${name}`, () => {
    it("each malformed / oversized / unknown input → nak, error or empty reply; qC still answers QC1 after each; then m, s and bs work on the same session", async () => {
      const t = make();
      s = await serve(t);
      const c = await rawClient(s.port);
      for (const [what, bytes, allowed] of hostile) {
        const before = c.received().length;
        c.send(bytes);
        // A nak comes alone; give a reply packet that might follow it a moment more.
        let got = await c.until(before, replied);
        if (!aPacket(got)) got = await c.until(before, aPacket, 100);
        const reply = /\$/.test(got) ? lastPacket(got) : null;
        const kind = reply === null ? (got.includes("-") ? "nak" : "none") : reply === "" ? "" : reply === "E01" ? "exception in the stub (E01)" : /^E/.test(reply) ? "err" : `reply ${reply}`;
        // A monitor error comes back as console text (O...) or as an error; both leave the session up.
        if (!(what.startsWith("monitor") && reply !== null)) expect(allowed, `${what}: got ${JSON.stringify(got)}`).toContain(kind);
        const mark = c.received().length;
        c.packet("qC");
        expect(lastPacket(await c.until(mark, aPacket)), `after ${what}`).toBe("QC1");
      }
      let mark = c.received().length;
      c.packet("m7c00,3");
      expect(lastPacket(await c.until(mark, aPacket))).toBe("fa31c0");
      mark = c.received().length;
      c.packet("s");
      expect(lastPacket(await c.until(mark, aPacket))).toMatch(/^T05/);
      expect(t.machine.cpu.icount).toBe(1);
      mark = c.received().length;
      c.packet("bs");
      expect(lastPacket(await c.until(mark, aPacket))).toMatch(/^T05/);
      expect(t.machine.cpu.icount).toBe(0);
      c.close();
    });

    it("a second client while one is attached → E.x86rr message and closed; the first steps on", async () => {
      const t = make();
      s = await serve(t);
      const first = await rawClient(s.port);
      first.packet("qC");
      await first.until(0, aPacket);
      const second = await rawClient(s.port);
      second.packet("s");
      expect(await second.until(0, aPacket)).toContain("$E.x86rr: another debugger is already attached to this machine#");
      await second.wait(50);
      expect(t.machine.cpu.icount).toBe(0);
      const mark = first.received().length;
      first.packet("s");
      expect(lastPacket(await first.until(mark, aPacket))).toMatch(/^T05/);
      expect(t.machine.cpu.icount).toBe(1);
      first.close();
      second.close();
    });
  });
}
