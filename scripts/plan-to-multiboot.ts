// plan-to-multiboot OUT.elf STUB.bin VMLINUZ INITRD MEM_MIB CMDLINE: plans a Linux boot with x86rr's
// bzImage loader and wraps the plan into a multiboot ELF that qemu (-kernel) can boot, so the plan is
// checked by a real kernel on a reference machine. Writes below 1 MiB travel inside the stub segment
// at STUB_BASE (qemu copies a multiboot kernel as one blob from its lowest to its highest address,
// which must not cover the BIOS and option ROMs below 1 MiB); the stub copies them into place.

import { readFileSync, writeFileSync } from "node:fs";
import { loadBzImage } from "../src/loaders/bzimage.js";

const STUB_BASE = 0x700000;
// Offsets inside plan-stub.asm (see its listing): multiboot header 0, entry 12, gdtr 0x68, regs 0x70.
const STUB_ENTRY = 12, STUB_GDTR = 0x68, STUB_REGS = 0x70;

const [out, stubFile, vmlinuz, initrd, memMib, cmdline] = process.argv.slice(2);
if (!out || !stubFile || !vmlinuz || !initrd || !memMib) {
  process.stderr.write("usage: plan-to-multiboot OUT.elf STUB.bin VMLINUZ INITRD MEM_MIB [CMDLINE]\n");
  process.exit(2);
}
const plan = loadBzImage(vmlinuz, new Uint8Array(readFileSync(vmlinuz)), {
  memBytes: Number(memMib) * (1 << 20), cmdline: cmdline ?? "console=ttyS0",
  initrd: { file: initrd, bytes: new Uint8Array(readFileSync(initrd)) },
});
if (plan.entry.mode !== "flat32") throw new Error("expected a flat32 entry");
const code = new Uint8Array(readFileSync(stubFile));
const low = plan.writes.filter((w) => w.gpa < 0x100000), high = plan.writes.filter((w) => w.gpa >= 0x100000);
let data = code.length + 12 * (low.length + 1);
const stub = new Uint8Array(data + low.reduce((n, w) => n + w.bytes.length, 0));
const v = new DataView(stub.buffer);
stub.set(code);
v.setUint16(STUB_GDTR, plan.entry.gdtr.limit, true);
v.setUint32(STUB_GDTR + 2, plan.entry.gdtr.base, true);
const r = plan.entry.regs;
[r.esi, r.esp, r.eax, r.ebx, plan.entry.eip].forEach((x, i) => v.setUint32(STUB_REGS + 4 * i, x, true));
low.forEach((w, i) => {
  const t = code.length + 12 * i;
  v.setUint32(t, w.gpa, true); v.setUint32(t + 4, STUB_BASE + data, true); v.setUint32(t + 8, w.bytes.length, true);
  stub.set(w.bytes, data);
  data += w.bytes.length;
});

for (const w of high) {
  if (w.gpa < STUB_BASE + stub.length && w.gpa + w.bytes.length > STUB_BASE) throw new Error(`${w.what} overlaps the stub at ${STUB_BASE.toString(16)}; move STUB_BASE`);
}

// ELF32 executable (gABI): 52-byte header, one PT_LOAD per segment, paddr = vaddr.
const segs = [{ gpa: STUB_BASE, bytes: stub }, ...high];
const phoff = 52;
const head = new Uint8Array(phoff + 32 * segs.length);
const h = new DataView(head.buffer);
head.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
h.setUint16(0x10, 2, true); h.setUint16(0x12, 3, true); h.setUint32(0x14, 1, true);
h.setUint32(0x18, STUB_BASE + STUB_ENTRY, true); h.setUint32(0x1c, phoff, true);
h.setUint16(0x28, 52, true); h.setUint16(0x2a, 32, true); h.setUint16(0x2c, segs.length, true);
let off = head.length;
segs.forEach((s, i) => {
  const p = phoff + 32 * i;
  for (const [o, x] of [[0, 1], [4, off], [8, s.gpa], [12, s.gpa], [16, s.bytes.length], [20, s.bytes.length], [24, 7]]) h.setUint32(p + o, x, true);
  off += s.bytes.length;
});
writeFileSync(out, Buffer.concat([head, ...segs.map((s) => s.bytes)]));
process.stdout.write(plan.notes.map((n) => `plan: ${n}\n`).join(""));
