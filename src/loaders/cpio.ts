// cpio "newc" archives, the format the Linux kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst).
//
// Each entry: a 110-byte ASCII header, the NUL-terminated name, padding to a multiple of 4, the
// data, padding to a multiple of 4. Header = "070701" then 13 fields of 8 hex digits:
//   ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
// namesize counts the NUL; check is 0 for "070701". The archive ends with an entry named "TRAILER!!!".

export const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFCHR = 0o020000;

export type CpioEntry =
  | { kind: "dir"; name: string; mode?: number }
  | { kind: "file"; name: string; data: Uint8Array; mode?: number }
  | { kind: "symlink"; name: string; target: string }
  | { kind: "chardev"; name: string; major: number; minor: number; mode?: number };

const TRAILER = "TRAILER!!!";

/** The newc archive of `entries`, in order, plus the trailer; uid/gid 0, mtime 0, inodes numbered from 1. */
export function writeCpio(entries: CpioEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array): void => { chunks.push(b); size += b.length; };
  const pad = (): void => { if (size % 4) push(new Uint8Array(4 - (size % 4))); };
  const entry = (ino: number, mode: number, nlink: number, name: string, data: Uint8Array, rmaj = 0, rmin = 0): void => {
    const nameBytes = latin1(name + "\0", name);
    const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rmaj, rmin, nameBytes.length, 0];
    push(latin1("070701" + fields.map((f) => f.toString(16).padStart(8, "0")).join(""), name));
    push(nameBytes);
    pad();
    push(data);
    pad();
  };
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (e.name === "" || e.name.startsWith("/") || e.name === TRAILER) throw new RangeError(`cpio entry name ${JSON.stringify(e.name)} must be relative and not the trailer`);
    if (seen.has(e.name)) throw new RangeError(`cpio entry ${JSON.stringify(e.name)} appears twice`);
    seen.add(e.name);
    const ino = i + 1;
    switch (e.kind) {
      case "dir": entry(ino, S_IFDIR | (e.mode ?? 0o755), 2, e.name, new Uint8Array(0)); break;
      case "file": entry(ino, S_IFREG | (e.mode ?? 0o644), 1, e.name, e.data); break;
      case "symlink": entry(ino, S_IFLNK | 0o777, 1, e.name, latin1(e.target, e.name)); break;
      case "chardev": entry(ino, S_IFCHR | (e.mode ?? 0o600), 1, e.name, new Uint8Array(0), e.major, e.minor); break;
    }
  });
  entry(0, 0, 1, TRAILER, new Uint8Array(0));
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

function latin1(s: string, name: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`cpio entry ${JSON.stringify(name)}: character ${JSON.stringify(s[i])} is not a byte`);
    b[i] = c;
  }
  return b;
}
