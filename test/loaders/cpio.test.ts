import { describe, expect, it } from "vitest";
import { writeCpio } from "../../src/loaders/cpio.js";

// Expected bytes spelled out from Documentation/driver-api/early-userspace/buffer-format.rst:
// "070701", 13 × 8 hex digits (ino mode uid gid nlink mtime filesize maj min rmaj rmin namesize chksum),
// name with NUL, pad to 4, data, pad to 4; last entry "TRAILER!!!".
const ascii = (b: Uint8Array) => Array.from(b, (c) => (c === 0 ? "\\0" : String.fromCharCode(c))).join("");
const hdr = (f: string[]) => "070701" + f.join("");
const Z = "00000000";
const TRAILER = hdr([Z, Z, Z, Z, "00000001", Z, Z, Z, Z, Z, Z, "0000000b", Z]) + "TRAILER!!!\\0" + "\\0\\0\\0"; // 110 + 11 = 121 → pad to 124

describe("cpio newc writer", () => {
  it("file \"init\" (0755, \"hi\\n\") → header, name+NUL padded to 116, data padded to 120, then the trailer (244 bytes)", () => {
    const out = writeCpio([{ kind: "file", name: "init", data: new TextEncoder().encode("hi\n"), mode: 0o755 }]);
    expect(ascii(out)).toBe(
      hdr(["00000001", "000081ed", Z, Z, "00000001", Z, "00000003", Z, Z, Z, Z, "00000005", Z]) + "init\\0" + "\\0" + "hi\n" + "\\0" + TRAILER,
    );
    expect(out.length).toBe(244);
  });
  it("directory \"proc\" → mode 040755, nlink 2, size 0", () => {
    const out = writeCpio([{ kind: "dir", name: "proc" }]);
    expect(ascii(out.subarray(0, 116))).toBe(hdr(["00000001", "000041ed", Z, Z, "00000002", Z, Z, Z, Z, Z, Z, "00000005", Z]) + "proc\\0" + "\\0");
  });
  it("symlink bin/sh → busybox: mode 0120777, data is the target (7 bytes)", () => {
    const out = writeCpio([{ kind: "symlink", name: "bin/sh", target: "busybox" }]);
    // 110 + "bin/sh\0" (7) = 117 → pad to 120; "busybox" 7 → 127 → pad to 128.
    expect(ascii(out.subarray(0, 128))).toBe(hdr(["00000001", "0000a1ff", Z, Z, "00000001", Z, "00000007", Z, Z, Z, Z, "00000007", Z]) + "bin/sh\\0" + "\\0\\0\\0" + "busybox" + "\\0");
  });
  it("char device dev/console 5,1 → mode 020600, rdevmajor 5, rdevminor 1", () => {
    const out = writeCpio([{ kind: "chardev", name: "dev/console", major: 5, minor: 1 }]);
    expect(ascii(out.subarray(0, 110))).toBe(hdr(["00000001", "00002180", Z, Z, "00000001", Z, Z, Z, Z, "00000005", "00000001", "0000000c", Z]));
  });
  it("names of 1..8 bytes and data of 0..5 bytes: every header starts at a multiple of 4", () => {
    for (let n = 1; n <= 8; n++) {
      for (let d = 0; d <= 5; d++) {
        const out = writeCpio([{ kind: "file", name: "x".repeat(n), data: new Uint8Array(d).fill(0x41) }, { kind: "dir", name: "y" }]);
        const second = Math.ceil((Math.ceil((110 + n + 1) / 4) * 4 + d) / 4) * 4;
        expect(ascii(out.subarray(second, second + 6))).toBe("070701");
        expect(out.length % 4).toBe(0);
      }
    }
  });
  it("inode numbers count from 1 in entry order (\"a\": 110 + 2 = 112, already aligned)", () => {
    const out = writeCpio([{ kind: "dir", name: "a" }, { kind: "dir", name: "b" }]);
    expect(ascii(out.subarray(6, 14))).toBe("00000001");
    expect(ascii(out.subarray(112, 112 + 14))).toBe("07070100000002");
  });
  it("absolute names, duplicates and the trailer name are refused", () => {
    expect(() => writeCpio([{ kind: "dir", name: "/bin" }])).toThrow(/must be relative/);
    expect(() => writeCpio([{ kind: "dir", name: "a" }, { kind: "dir", name: "a" }])).toThrow(/appears twice/);
    expect(() => writeCpio([{ kind: "dir", name: "TRAILER!!!" }])).toThrow(/not the trailer/);
  });
});
