// Where a trace reader gets its bytes: positioned reads from a file descriptor (never the whole
// file in memory), or an in-memory copy (tests, traces received over a socket).

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { TraceError } from "./trace-format.js";

export interface TraceSource {
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes from `offset` (the caller keeps offset + length <= size). */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export class FileSource implements TraceSource {
  readonly size: number;
  private fd: number;

  constructor(readonly name: string) {
    this.fd = openSync(name, "r");
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    const b = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, b, got, length - got, offset + got);
      if (n === 0) throw new TraceError(this.name, offset + got, "file shrank while being read");
      got += n;
    }
    return b;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export class BytesSource implements TraceSource {
  readonly size: number;

  constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {
    this.size = bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    return Buffer.from(this.bytes.subarray(offset, offset + length));
  }

  close(): void {}
}
