// Trace writer: buffers events into chunks and appends each chunk with one synchronous positioned
// write, so a process killed at any point (SIGKILL included) leaves every completed chunk on disk.
// Layout: trace-format.ts. The writer never reads a clock: creation time comes from the caller.

import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { EmulatorBug } from "../cpu/fault.js";
import { EventKind, kindRow, type EventPayloads } from "./trace-events.js";
import { CHUNK_MAGIC, END_MAGIC, FILE_HEADER_SIZE, FILE_MAGIC, FOOTER_MAGIC, FORMAT_VERSION, FRAME_SIZE, MAX_HEADER_RECORD, TRAILER_SIZE, codec, headerProblem, putU64, writeFrame, type FooterRecord, type RecordedExits, type TraceHeader } from "./trace-format.js";
import { crc32 } from "./crc32.js";
import { ChunkBuffer } from "./chunk-buffer.js";

export interface TraceWriterOptions {
  /** Flush a chunk when it holds this many events (default 4096). */
  maxEvents?: number;
  /** Flush a chunk when its encoded events reach this many bytes (default 64 KiB). */
  maxBytes?: number;
  /** fsync after every chunk ("chunk": survives power loss), only at close (default), or never. */
  sync?: "chunk" | "close" | "none";
}

/** Room before the events for the frame and the largest msgpack array header (0xdd + u32). */
const HEADROOM = FRAME_SIZE + 5;

export class TraceWriter {
  private fd: number;
  private pos: number;
  private chunk = new ChunkBuffer(HEADROOM);
  private count = 0;
  private chunkFirst = 0;
  private last = 0; // icount of the last appended event (order check, deltas)
  private closed = false;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly sync: "chunk" | "close" | "none";
  private readonly footer: FooterRecord = {
    events: 0,
    instructions: 0,
    firstIcount: 0,
    lastIcount: 0,
    byKind: [],
    chunks: [],
    snapshots: [],
    digests: [],
  };
  private readonly byKind = new Float64Array(256);

  /** Create (or truncate) `path` and write the file header. */
  constructor(
    readonly path: string,
    header: TraceHeader,
    options: TraceWriterOptions = {},
  ) {
    const problem = headerProblem(header);
    if (problem) throw new EmulatorBug(`trace writer given a bad header: ${problem}`);
    this.maxEvents = options.maxEvents ?? 4096;
    this.maxBytes = options.maxBytes ?? 1 << 16;
    this.sync = options.sync ?? "close";
    const record = codec.pack(header);
    if (record.length > MAX_HEADER_RECORD) throw new EmulatorBug(`trace header record of ${record.length} bytes exceeds the limit`);
    const head = new Uint8Array(FILE_HEADER_SIZE + record.length);
    head.set(FILE_MAGIC, 0);
    const dv = new DataView(head.buffer);
    dv.setUint32(8, FORMAT_VERSION, true);
    dv.setUint32(12, record.length, true);
    dv.setUint32(16, crc32(record), true);
    head.set(record, FILE_HEADER_SIZE);
    this.fd = openSync(path, "w");
    this.pos = 0;
    this.writeAt(head, 0, head.length);
  }

  /** Bytes on disk so far (header and flushed chunks). */
  get bytesWritten(): number {
    return this.pos;
  }

  /** Events appended so far (flushed or buffered). */
  get events(): number {
    return this.footer.events;
  }

  /** Log one event. icounts must not decrease; payload must have its kind's shape. */
  append<K extends EventKind>(icount: number, kind: K, payload: EventPayloads[K]): void {
    if (this.closed) throw new EmulatorBug(`trace event appended after close of ${this.path}`);
    if (!Number.isSafeInteger(icount) || icount < 0) throw new EmulatorBug(`trace event icount ${icount} is not a non-negative integer`);
    if (icount < this.last)
      throw new EmulatorBug(`trace event at icount ${icount} after one at icount ${this.last}: events must be in non-decreasing icount order`);
    const row = kindRow(kind);
    if (!row) throw new EmulatorBug(`trace event of unknown kind ${kind}`);
    if (!row.check(payload)) throw new EmulatorBug(`trace event ${row.name} at icount ${icount} has a payload of the wrong shape`);
    if (kind === EventKind.SNAPSHOT) this.flush(); // a snapshot starts its own chunk, so seeking reads only it

    if (this.count === 0) this.chunkFirst = icount;
    this.chunk.event(this.count === 0 ? 0 : icount - this.last, kind, payload);
    this.count++;

    const f = this.footer;
    if (f.events === 0) f.firstIcount = icount;
    f.events++;
    f.lastIcount = icount;
    this.last = icount;
    this.byKind[kind]++;
    if (kind === EventKind.DIGEST) f.digests.push([this.pos, icount]);
    if (kind === EventKind.SNAPSHOT) f.snapshots.push([this.pos, icount]);

    if (kind === EventKind.SNAPSHOT || this.count >= this.maxEvents || this.chunk.used >= this.maxBytes) this.flush();
  }

  /** Write the buffered events as one chunk (nothing if none are buffered). */
  flush(): void {
    if (this.closed) throw new EmulatorBug(`trace flush after close of ${this.path}`);
    if (this.count === 0) return;
    const n = this.count;
    const payloadAt = this.chunk.arrayHeaderBefore(HEADROOM, n);
    const b = this.chunk.buf;
    const end = this.chunk.pos;
    const start = payloadAt - FRAME_SIZE;
    writeFrame(b, start, {
      magic: CHUNK_MAGIC,
      length: end - payloadAt,
      crc: crc32(b, payloadAt, end),
      firstIcount: this.chunkFirst,
      lastIcount: this.last,
      count: n,
    });
    this.footer.chunks.push([this.pos, this.chunkFirst, this.last, n]);
    this.writeAt(b, start, end);
    this.count = 0;
    this.chunk.reset();
    if (this.sync === "chunk") fsyncSync(this.fd);
  }

  /** Clean close: flush, then write the footer chunk and the trailer. `instructions` defaults to the last icount. */
  close(totals: { instructions?: number; exits?: RecordedExits } = {}): void {
    this.flush();
    const f = this.footer;
    f.instructions = totals.instructions ?? f.lastIcount;
    if (totals.exits) f.exits = totals.exits;
    if (!Number.isSafeInteger(f.instructions) || f.instructions < f.lastIcount)
      throw new EmulatorBug(`trace closed with ${f.instructions} instructions, before its last event at icount ${f.lastIcount}`);
    f.byKind = [];
    for (let k = 0; k < 256; k++) if (this.byKind[k]) f.byKind.push([k, this.byKind[k]]);
    const payload = codec.pack(f);
    const out = new Uint8Array(FRAME_SIZE + payload.length + TRAILER_SIZE);
    out.set(payload, FRAME_SIZE);
    writeFrame(out, 0, {
      magic: FOOTER_MAGIC,
      length: payload.length,
      crc: crc32(payload),
      firstIcount: f.firstIcount,
      lastIcount: f.lastIcount,
      count: 0,
    });
    const t = FRAME_SIZE + payload.length;
    putU64(new DataView(out.buffer), t, this.pos);
    out.set(END_MAGIC, t + 8);
    this.writeAt(out, 0, out.length);
    if (this.sync !== "none") fsyncSync(this.fd);
    this.release();
  }

  /** Close the file without a footer: what remains is an incomplete trace (as after a crash). */
  abandon(): void {
    if (this.closed) return;
    this.count = 0;
    this.release();
  }

  private release(): void {
    this.closed = true;
    closeSync(this.fd);
    this.fd = -1;
  }

  private writeAt(b: Uint8Array, start: number, end: number): void {
    while (start < end) {
      const n = writeSync(this.fd, b, start, end - start, this.pos);
      start += n;
      this.pos += n;
    }
  }
}
