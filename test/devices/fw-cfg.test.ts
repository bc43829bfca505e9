// fw_cfg traditional interface as QEMU's docs/specs/fw_cfg.rst defines it: 16-bit selector at 0x510,
// 8-bit data at 0x511, signature "QEMU" at 0x0000, file directory at 0x0019 (big-endian count, then
// 64-byte entries { be32 size, be16 select, u16 reserved, name[56] }).

import { describe, expect, it } from "vitest";
import { IoBus } from "../../src/devices/bus.js";
import { e820File, FwCfg } from "../../src/devices/fw-cfg.js";

function device(files: Record<string, Uint8Array> = {}) {
  const io = new IoBus(() => {});
  const fw = new FwCfg({ ramBytes: 64 << 20, files });
  io.register(0x510, 2, fw, "fw_cfg");
  const item = (sel: number, n: number) => {
    io.write(0x510, 2, sel);
    return Uint8Array.from({ length: n }, () => io.read(0x511, 1));
  };
  return { io, fw, item };
}

describe("fw_cfg", () => {
  it("selector 0x0000 → the bytes 'QEMU'; ID 0x0001 → 1 (traditional interface, no DMA bit)", () => {
    const { item } = device();
    expect(new TextDecoder().decode(item(0, 4))).toBe("QEMU");
    expect(Array.from(item(1, 4))).toEqual([1, 0, 0, 0]);
  });

  it("RAM size 0x0003 is 64-bit little endian; reads past the end of an item return 0", () => {
    const { item } = device();
    expect(Array.from(item(3, 10))).toEqual([0, 0, 0, 4, 0, 0, 0, 0, 0, 0]);
  });

  it("re-selecting rewinds to offset 0; an absent selector reads 0", () => {
    const { item } = device();
    item(0, 2);
    expect(new TextDecoder().decode(item(0, 4))).toBe("QEMU");
    expect(Array.from(item(0x7777, 2))).toEqual([0, 0]);
  });

  it("the file directory names each file with its size and a selector that reads its contents", () => {
    const { item } = device({ "etc/sercon-port": Uint8Array.of(0xf8, 0x03), "etc/e820": e820File([{ address: 0, length: 0x4000000, type: 1 }]) });
    const count = new DataView(item(0x19, 4).buffer).getUint32(0, false);
    expect(count).toBe(2);
    const dir = item(0x19, 4 + 64 * count).subarray(4);
    const found: Record<string, Uint8Array> = {};
    for (let i = 0; i < count; i++) {
      const e = new DataView(dir.buffer, dir.byteOffset + 64 * i, 64);
      const size = e.getUint32(0, false), sel = e.getUint16(4, false);
      const name = new TextDecoder().decode(dir.subarray(64 * i + 8, 64 * i + 64)).replace(/\0+$/, "");
      found[name] = item(sel, size);
    }
    expect(Array.from(found["etc/sercon-port"])).toEqual([0xf8, 0x03]);
    // e820 entry: u64 address 0, u64 length 0x4000000, u32 type 1 (RAM), little endian, 20 bytes.
    expect(Array.from(found["etc/e820"])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it("save/restore keeps the selector and read offset", () => {
    const a = device(), b = device();
    a.item(0, 2);
    b.fw.restore(a.fw.save());
    expect(String.fromCharCode(b.io.read(0x511, 1), b.io.read(0x511, 1))).toBe("MU");
  });
});
