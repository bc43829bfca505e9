// Shared fixtures for trace tests: temp files, a header, arbitraries for event streams.
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventKind, type TraceEvent } from "../../src/replay/trace-events.js";
import { imageRecord, type TraceHeader } from "../../src/replay/trace-format.js";
import { TraceWriter, type TraceWriterOptions } from "../../src/replay/trace-writer.js";

export function tempDir(): { dir: string; file(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "x86rr-trace-"));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function header(over: Partial<TraceHeader> = {}): TraceHeader {
  return {
    semanticsVersion: 3,
    machine: { memory: 16 << 20, cpu: "i686", features: ["fpu", "tsc", "vmx"], clock: "host", cmdline: "console=ttyS0" },
    images: [imageRecord("bios.bin", new TextEncoder().encode("abc"))],
    createdAt: "2024-05-01T12:00:00.000Z",
    tags: { purpose: "test" },
    ...over,
  };
}

/** Write `events` to `path` and close cleanly (unless `close` is false). */
export function writeTrace(path: string, events: TraceEvent[], opts: TraceWriterOptions = {}, close = true): TraceWriter {
  const w = new TraceWriter(path, header(), opts);
  for (const e of events) w.append(e.icount, e.kind, e.payload as never);
  if (close) w.close();
  else {
    w.flush();
    w.abandon();
  }
  return w;
}

/** Events with byte payloads turned into hex strings, so Buffer and Uint8Array compare equal. */
export function norm(events: Iterable<TraceEvent>): unknown[] {
  const fix = (v: unknown): unknown =>
    v instanceof Uint8Array
      ? `bin:${Buffer.from(v).toString("hex")}`
      : Array.isArray(v)
        ? v.map(fix)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]))
          : v;
  return [...events].map((e) => fix(e));
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const u32 = fc.nat({ max: 0xffffffff });
const size = fc.constantFrom(1, 2, 4);

/** [kind, payload] pairs of every kind, payloads of the documented shapes. */
export const arbKindPayload: fc.Arbitrary<[EventKind, unknown]> = fc.oneof(
  fc.tuple(fc.constant(EventKind.SERIAL_IN), fc.tuple(fc.nat({ max: 3 }), bytes(40))),
  fc.tuple(fc.constant(EventKind.RTC_TIME), fc.tuple(fc.nat({ max: 2 ** 45 }))),
  fc.tuple(fc.constant(EventKind.RDTSC), fc.tuple(fc.maxSafeNat())),
  fc.tuple(fc.constant(EventKind.HOST_TIMER), fc.tuple(u32)),
  fc.tuple(fc.constant(EventKind.IRQ_INJECT), fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 1 }))),
  fc.tuple(fc.constant(EventKind.IO_IN), fc.tuple(fc.nat({ max: 0xffff }), size, u32)),
  fc.tuple(fc.constant(EventKind.MMIO_IN), fc.tuple(fc.nat({ max: 2 ** 36 }), size, u32)),
  fc.tuple(fc.constant(EventKind.ENTROPY), fc.tuple(bytes(16))),
  fc.tuple(fc.constant(EventKind.HOST_DATA), fc.tuple(fc.string({ maxLength: 12 }), bytes(64))),
  fc.tuple(fc.constant(EventKind.HOST_TIME), fc.tuple(fc.maxSafeNat())),
  fc.tuple(fc.constant(EventKind.DIGEST), fc.record({ cpu: bytes(32), mem: bytes(32), pages: fc.nat() })),
  fc.tuple(fc.constant(EventKind.SNAPSHOT), fc.record({ encoding: fc.constantFrom("raw", "deflate"), state: bytes(3000) })),
  fc.tuple(fc.constant(EventKind.MARK), fc.record({ label: fc.string({ maxLength: 20 }) })),
  fc.tuple(fc.constant(EventKind.END), fc.record({ reason: fc.string({ maxLength: 20 }) })),
);

/** Event streams in non-decreasing icount order, with runs of equal icounts and big jumps. */
export function arbEvents(maxLength = 300, minLength = 0): fc.Arbitrary<TraceEvent[]> {
  const delta = fc.oneof(fc.constant(0), fc.nat({ max: 100 }), fc.nat({ max: 2 ** 20 }), fc.nat({ max: 2 ** 40 }));
  return fc.array(fc.tuple(delta, arbKindPayload), { minLength, maxLength }).map((items) => {
    let icount = 0;
    return items.map(([d, [kind, payload]]) => {
      icount += d;
      return { icount, kind, payload } as TraceEvent;
    });
  });
}
