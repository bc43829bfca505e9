// Trace reader: validates the file header, finds the footer through the trailer (or rebuilds the
// index by scanning when the trace was not closed), and reads events chunk by chunk with
// positioned reads. Everything read is untrusted: any defect is a TraceError naming file and
// offset; a trace cut short inside its last chunk is not a defect but an incomplete trace.
// Layout: trace-format.ts.

import { crc32 } from "./crc32.js";
import { EventKind, kindRow, type TraceEvent } from "./trace-events.js";
import { CHUNK_MAGIC, END_MAGIC, FILE_HEADER_SIZE, FILE_MAGIC, FOOTER_MAGIC, FORMAT_VERSION, FRAME_SIZE, MAX_HEADER_RECORD, TRAILER_SIZE, TraceError, codec, footerProblem, getU64, headerProblem, parseFrame, sameBytes, showBytes, type FooterRecord, type Frame, type RecordedExits, type TraceHeader } from "./trace-format.js";
import { BytesSource, FileSource, type TraceSource } from "./trace-source.js";

export interface ChunkInfo {
  offset: number;
  firstIcount: number;
  lastIcount: number;
  count: number;
}

export interface IndexEntry {
  /** Offset of the chunk frame holding the event. */
  offset: number;
  icount: number;
}

export interface TraceTotals {
  events: number;
  /** Instructions of the recorded run; for an incomplete trace, the last readable event's icount. */
  instructions: number;
  firstIcount: number;
  lastIcount: number;
  byKind: ReadonlyMap<number, number>;
  /** VM exits of the run (closed traces written since they carry them). */
  exits?: RecordedExits;
}

export type TraceStatus =
  | { complete: true }
  | {
      complete: false;
      /** End of the readable part: offset after the last good chunk, icount of its last event (0 if none). */
      endsAt: { offset: number; icount: number };
      reason: string;
      /** Set when the trace ends at damage (salvage mode) rather than at a cut. */
      error?: TraceError;
    };

export interface OpenOptions {
  /** Scan every chunk and keep what precedes damage instead of throwing (status.error says where). */
  salvage?: boolean;
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const u64At = (b: Uint8Array): number => getU64(new DataView(b.buffer, b.byteOffset, 8), 0);
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class TraceReader {
  readonly formatVersion = FORMAT_VERSION;
  readonly header: TraceHeader;
  /** Offset of the first chunk. */
  readonly bodyOffset: number;
  status: TraceStatus = { complete: true };
  chunks: ChunkInfo[] = [];
  snapshots: IndexEntry[] = [];
  digests: IndexEntry[] = [];
  totals: TraceTotals = { events: 0, instructions: 0, firstIcount: 0, lastIcount: 0, byKind: new Map() };
  /** Offset where the chunk stream ends (footer frame, or end of the readable part). */
  private bodyEnd = 0;

  /** Open the trace file at `path` (read chunk by chunk, never loaded whole). */
  static open(path: string, options: OpenOptions = {}): TraceReader {
    let src: FileSource;
    try {
      src = new FileSource(path);
    } catch (e) {
      throw new TraceError(path, 0, `cannot open: ${errText(e)}`);
    }
    try {
      return new TraceReader(src, options);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Read a trace held in memory; `name` stands for the file in errors. */
  static fromBytes(name: string, bytes: Uint8Array, options: OpenOptions = {}): TraceReader {
    return new TraceReader(new BytesSource(name, bytes), options);
  }

  constructor(
    private readonly src: TraceSource,
    options: OpenOptions = {},
  ) {
    const { header, bodyOffset } = this.readHeader();
    this.header = header;
    this.bodyOffset = bodyOffset;
    if (!options.salvage && this.hasTrailer()) this.loadFooter();
    else this.scan(options.salvage ?? false);
  }

  get file(): string {
    return this.src.name;
  }

  get size(): number {
    return this.src.size;
  }

  close(): void {
    this.src.close();
  }

  /** Events of chunk `i`, verified against its CRC and the index. */
  chunkEvents(i: number): TraceEvent[] {
    const c = this.chunks[i];
    const next = i + 1 < this.chunks.length ? this.chunks[i + 1].offset : this.bodyEnd;
    const f = parseFrame(this.src.read(c.offset, FRAME_SIZE), 0);
    if (typeof f === "string") throw this.err(c.offset, f);
    if (f.magic !== CHUNK_MAGIC || f.firstIcount !== c.firstIcount || f.lastIcount !== c.lastIcount || f.count !== c.count)
      throw this.err(c.offset, "chunk frame disagrees with the footer index");
    if (c.offset + FRAME_SIZE + f.length !== next)
      throw this.err(c.offset, `chunk of ${FRAME_SIZE + f.length} bytes does not end where the next one starts (offset ${next})`);
    return this.decodeEvents(c.offset, f);
  }

  /** All events in order. */
  events(): Generator<TraceEvent> {
    return this.eventsFrom(0);
  }

  /** Events with icount >= `icount`, in order, starting at the chunk the index points to. */
  *eventsFrom(icount: number): Generator<TraceEvent> {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.chunks[mid].lastIcount < icount) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.chunks.length; i++) {
      for (const e of this.chunkEvents(i)) if (e.icount >= icount) yield e;
    }
  }

  /** Read and check every chunk (the footer path checks chunks only when they are read). */
  verify(): void {
    for (let i = 0; i < this.chunks.length; i++) this.chunkEvents(i);
  }

  // ---- opening ----

  private readHeader(): { header: TraceHeader; bodyOffset: number } {
    const size = this.src.size;
    const head = this.src.read(0, Math.min(size, FILE_HEADER_SIZE));
    if (size === 0 || !sameBytes(head, 0, FILE_MAGIC.subarray(0, Math.min(size, FILE_MAGIC.length))))
      throw this.err(0, `not an x86rr trace: magic is ${showBytes(head.subarray(0, 8))}, expected ${showBytes(FILE_MAGIC)}`);
    if (size < FILE_HEADER_SIZE) throw this.err(0, `truncated file header (needs ${FILE_HEADER_SIZE} bytes, file has ${size})`);
    const dv = new DataView(head.buffer, head.byteOffset, FILE_HEADER_SIZE);
    const version = dv.getUint32(8, true);
    if (version !== FORMAT_VERSION)
      throw this.err(
        8,
        `trace format version ${version}, but this x86rr reads format version ${FORMAT_VERSION}` +
          (version > FORMAT_VERSION ? " (written by a newer x86rr)" : " (written by an older x86rr)"),
      );
    const len = dv.getUint32(12, true);
    if (len > MAX_HEADER_RECORD) throw this.err(12, `header record length ${len} exceeds the limit ${MAX_HEADER_RECORD}`);
    if (FILE_HEADER_SIZE + len > size)
      throw this.err(FILE_HEADER_SIZE, `truncated header record (needs ${len} bytes, file has ${size - FILE_HEADER_SIZE})`);
    const record = this.src.read(FILE_HEADER_SIZE, len);
    if (crc32(record) !== dv.getUint32(16, true)) throw this.err(FILE_HEADER_SIZE, "header record CRC mismatch");
    const header = this.unpack(record, FILE_HEADER_SIZE, "header record");
    const problem = headerProblem(header);
    if (problem) throw this.err(FILE_HEADER_SIZE, problem);
    return { header: header as TraceHeader, bodyOffset: FILE_HEADER_SIZE + len };
  }

  private hasTrailer(): boolean {
    const size = this.src.size;
    if (size < this.bodyOffset + FRAME_SIZE + TRAILER_SIZE) return false;
    return sameBytes(this.src.read(size - END_MAGIC.length, END_MAGIC.length), 0, END_MAGIC);
  }

  /** Clean-close path: the trailer names the footer, whose index replaces a scan. */
  private loadFooter(): void {
    const size = this.src.size;
    const trailerAt = size - TRAILER_SIZE;
    const t = this.src.read(trailerAt, TRAILER_SIZE);
    const footerAt = u64At(t);
    if (footerAt < this.bodyOffset || footerAt > trailerAt - FRAME_SIZE)
      throw this.err(trailerAt, `trailer points to footer offset ${footerAt}, outside the body [${this.bodyOffset}, ${trailerAt - FRAME_SIZE}]`);
    const f = parseFrame(this.src.read(footerAt, FRAME_SIZE), 0);
    if (typeof f === "string") throw this.err(footerAt, f);
    if (f.magic !== FOOTER_MAGIC) throw this.err(footerAt, "trailer does not point to a footer chunk");
    if (footerAt + FRAME_SIZE + f.length !== trailerAt)
      throw this.err(footerAt, `footer of ${FRAME_SIZE + f.length} bytes does not end at the trailer (offset ${trailerAt})`);
    const footer = this.decodeFooter(footerAt, f);
    this.bodyEnd = footerAt;
    this.adoptFooter(footerAt, footer);
  }

  private decodeFooter(at: number, f: Frame): FooterRecord {
    const payload = this.src.read(at + FRAME_SIZE, f.length);
    if (crc32(payload) !== f.crc) throw this.err(at, "footer payload CRC mismatch");
    const footer = this.unpack(payload, at + FRAME_SIZE, "footer record");
    const problem = footerProblem(footer);
    if (problem) throw this.err(at, problem);
    const r = footer as FooterRecord;
    if (r.firstIcount !== f.firstIcount || r.lastIcount !== f.lastIcount) throw this.err(at, "footer record disagrees with its frame");
    return r;
  }

  /** Check the footer index against itself and the file, then install it. */
  private adoptFooter(at: number, r: FooterRecord): void {
    const bad = (what: string): TraceError => this.err(at, `footer index: ${what}`);
    let events = 0;
    let prevOffset = -1;
    let prevLast = 0;
    for (const [offset, first, last, count] of r.chunks) {
      if (prevOffset < 0 ? offset !== this.bodyOffset : offset < prevOffset + FRAME_SIZE + 1)
        throw bad(`chunk offset ${offset} out of place`);
      if (first > last || first < prevLast || count < 1) throw bad(`chunk at offset ${offset} has bad icounts or count`);
      prevOffset = offset;
      prevLast = last;
      events += count;
    }
    if (prevOffset >= 0 && at < prevOffset + FRAME_SIZE + 1) throw bad("last chunk overlaps the footer");
    if (events !== r.events) throw bad(`chunks hold ${events} events, totals say ${r.events}`);
    const n = r.chunks.length;
    if (n === 0 ? r.firstIcount !== 0 || r.lastIcount !== 0 : r.firstIcount !== r.chunks[0][1] || r.lastIcount !== r.chunks[n - 1][2])
      throw bad("first/last icount disagree with the chunks");
    if (r.instructions < r.lastIcount) throw bad(`instructions ${r.instructions} < last icount ${r.lastIcount}`);
    let kinds = 0;
    const byKind = new Map<number, number>();
    for (const [kind, count] of r.byKind) {
      if (!kindRow(kind) || byKind.has(kind)) throw bad(`byKind has unknown or repeated kind ${kind}`);
      byKind.set(kind, count);
      kinds += count;
    }
    if (kinds !== r.events) throw bad(`byKind sums to ${kinds}, totals say ${r.events}`);
    const chunkOf = new Map(r.chunks.map((c) => [c[0], c]));
    const entries = (list: [number, number][], what: string): IndexEntry[] =>
      list.map(([offset, icount]) => {
        const c = chunkOf.get(offset);
        if (!c || icount < c[1] || icount > c[2]) throw bad(`${what} at icount ${icount} names no chunk holding it (offset ${offset})`);
        return { offset, icount };
      });
    this.snapshots = entries(r.snapshots, "snapshot");
    this.digests = entries(r.digests, "digest");
    this.chunks = r.chunks.map(([offset, firstIcount, lastIcount, count]) => ({ offset, firstIcount, lastIcount, count }));
    this.totals = { events: r.events, instructions: r.instructions, firstIcount: r.firstIcount, lastIcount: r.lastIcount, byKind, ...(r.exits ? { exits: r.exits } : {}) };
    this.status = { complete: true };
  }

  /** No usable footer: walk the chunks from the start, checking each, and rebuild the index. */
  private scan(salvage: boolean): void {
    const size = this.src.size;
    const byKind = new Map<number, number>();
    let p = this.bodyOffset;
    let events = 0;
    let first = -1;
    let last = 0;
    const stop = (reason: string, error?: TraceError): void => {
      this.status = { complete: false, endsAt: { offset: p, icount: last }, reason, ...(error ? { error } : {}) };
    };
    const truncated = (needs: number): string => `truncated chunk at offset ${p} (needs ${needs} bytes, file has ${size - p})`;
    for (;;) {
      if (p === size) {
        stop(`not closed cleanly: no footer after the last chunk (file ends at offset ${p})`);
        break;
      }
      if (size - p < FRAME_SIZE) {
        stop(truncated(FRAME_SIZE));
        break;
      }
      try {
        const f = parseFrame(this.src.read(p, FRAME_SIZE), 0);
        if (typeof f === "string") throw this.err(p, f);
        if (FRAME_SIZE + f.length > size - p) {
          stop(truncated(FRAME_SIZE + f.length));
          break;
        }
        if (f.magic === FOOTER_MAGIC) {
          this.scanFooter(p, f, events, salvage, stop);
          break;
        }
        if (f.firstIcount < last)
          throw this.err(p, `chunk starts at icount ${f.firstIcount}, before the previous chunk's last icount ${last}`);
        for (const e of this.decodeEvents(p, f)) {
          byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
          if (e.kind === EventKind.DIGEST) this.digests.push({ offset: p, icount: e.icount });
          if (e.kind === EventKind.SNAPSHOT) this.snapshots.push({ offset: p, icount: e.icount });
        }
        this.chunks.push({ offset: p, firstIcount: f.firstIcount, lastIcount: f.lastIcount, count: f.count });
        if (first < 0) first = f.firstIcount;
        last = f.lastIcount;
        events += f.count;
        p += FRAME_SIZE + f.length;
      } catch (e) {
        if (!(e instanceof TraceError) || !salvage) throw e;
        stop(`damaged at offset ${e.offset}: ${e.reason}`, e);
        break;
      }
    }
    this.bodyEnd = p;
    if (!this.status.complete) this.totals = { events, instructions: last, firstIcount: Math.max(first, 0), lastIcount: last, byKind };
  }

  /** A footer frame met while scanning: the trace is complete only if a valid trailer follows it. */
  private scanFooter(at: number, f: Frame, events: number, salvage: boolean, stop: (reason: string) => void): void {
    const footer = this.decodeFooter(at, f);
    const end = at + FRAME_SIZE + f.length;
    if (footer.events !== events) throw this.err(at, `footer counts ${footer.events} events, the chunks before it hold ${events}`);
    const trailerOk =
      this.src.size === end + TRAILER_SIZE &&
      sameBytes(this.src.read(end + 8, 8), 0, END_MAGIC) &&
      u64At(this.src.read(end, 8)) === at;
    if (salvage && trailerOk) {
      this.bodyEnd = at;
      this.adoptFooter(at, footer);
    } else stop(`footer at offset ${at} is not followed by a valid trailer`);
  }

  // ---- decoding ----

  private decodeEvents(at: number, f: Frame): TraceEvent[] {
    const payload = this.src.read(at + FRAME_SIZE, f.length);
    if (crc32(payload) !== f.crc) throw this.err(at, "chunk payload CRC mismatch");
    const raw = this.unpack(payload, at + FRAME_SIZE, "chunk payload");
    if (!Array.isArray(raw) || raw.length !== f.count)
      throw this.err(at, `chunk payload is not an array of the ${f.count} events its frame announces`);
    const out: TraceEvent[] = [];
    let icount = f.firstIcount;
    for (let i = 0; i < raw.length; i++) {
      const e: unknown = raw[i];
      if (!Array.isArray(e) || e.length !== 3) throw this.err(at, `event ${i} is not [delta, kind, payload]`);
      const [delta, kind, payload] = e as [unknown, unknown, unknown];
      if (!isCount(delta) || (i === 0 && delta !== 0)) throw this.err(at, `event ${i} has a bad icount delta`);
      icount += delta;
      if (icount > f.lastIcount) throw this.err(at, `event ${i} at icount ${icount} is past the chunk's last icount ${f.lastIcount}`);
      const row = kindRow(kind as number);
      if (!row) throw this.err(at, `event ${i} has unknown kind ${String(kind)} (format version ${FORMAT_VERSION})`);
      if (!row.check(payload)) throw this.err(at, `event ${i} (${row.name} at icount ${icount}) has a payload of the wrong shape`);
      out.push({ icount, kind: row.kind, payload } as TraceEvent);
    }
    if (icount !== f.lastIcount) throw this.err(at, `events end at icount ${icount}, the frame says ${f.lastIcount}`);
    return out;
  }

  private unpack(bytes: Uint8Array, at: number, what: string): unknown {
    try {
      return codec.unpack(bytes);
    } catch (e) {
      throw this.err(at, `${what} is not valid msgpack (${errText(e)})`);
    }
  }

  private err(offset: number, reason: string): TraceError {
    return new TraceError(this.src.name, offset, reason);
  }
}
