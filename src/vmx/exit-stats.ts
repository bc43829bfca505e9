// VM-exit statistics: counts by exit reason and, for I/O and EPT-violation exits, by port and by
// MMIO region — the picture `perf kvm stat` gives a KVM developer. Counting is allocation-free
// on the exit path (typed arrays indexed by reason and by port).

import { ExitReason, exitReasonName } from "./exit-reasons.js";

export class ExitStats {
  readonly byReason = new Float64Array(80);
  /** I/O exits per port, reads and writes apart. */
  readonly ioReads = new Float64Array(0x10000);
  readonly ioWrites = new Float64Array(0x10000);
  /** EPT-violation (MMIO) exits per named region. */
  readonly mmio = new Map<string, number>();

  count(reason: number): void {
    this.byReason[reason]++;
  }

  io(port: number, write: boolean): void {
    this.byReason[ExitReason.IO_INSTRUCTION]++;
    if (write) this.ioWrites[port & 0xffff]++; else this.ioReads[port & 0xffff]++;
  }

  mmioAccess(region: string): void {
    this.byReason[ExitReason.EPT_VIOLATION]++;
    this.mmio.set(region, (this.mmio.get(region) ?? 0) + 1);
  }

  /** The non-zero counts, as a trace's footer records them (trace-format.ts RecordedExits). */
  toRecord(): { byReason: [number, number][]; io: [number, number, number][]; mmio: [string, number][] } {
    const byReason: [number, number][] = [], io: [number, number, number][] = [];
    this.byReason.forEach((c, r) => { if (c > 0) byReason.push([r, c]); });
    for (let p = 0; p < 0x10000; p++) if (this.ioReads[p] || this.ioWrites[p]) io.push([p, this.ioReads[p], this.ioWrites[p]]);
    return { byReason, io, mmio: [...this.mmio] };
  }

  /** Counts as recorded (the inverse of toRecord). */
  static fromRecord(r: { byReason: [number, number][]; io: [number, number, number][]; mmio: [string, number][] }): ExitStats {
    const s = new ExitStats();
    for (const [reason, c] of r.byReason) if (reason >= 0 && reason < s.byReason.length) s.byReason[reason] = c;
    for (const [p, rd, wr] of r.io) { s.ioReads[p & 0xffff] = rd; s.ioWrites[p & 0xffff] = wr; }
    for (const [name, c] of r.mmio) s.mmio.set(name, c);
    return s;
  }

  total(): number {
    let t = 0;
    for (const v of this.byReason) t += v;
    return t;
  }

  /** A human table: exits by reason (count and share), then the busiest ports and MMIO regions. */
  format(portNames: (port: number) => string = () => ""): string {
    const total = this.total();
    const lines = ["VM exits by reason:", "  reason                      count      share"];
    const rows: Array<[number, number]> = [];
    this.byReason.forEach((c, r) => { if (c > 0) rows.push([r, c]); });
    rows.sort((a, b) => b[1] - a[1]);
    for (const [r, c] of rows) {
      lines.push(`  ${`${r} ${exitReasonName(r)}`.padEnd(26)} ${String(c).padStart(8)}  ${((100 * c) / total).toFixed(2).padStart(6)}%`);
    }
    lines.push(`  ${"total".padEnd(26)} ${String(total).padStart(8)}`);
    const ports: Array<[number, number, number]> = [];
    for (let p = 0; p < 0x10000; p++) if (this.ioReads[p] || this.ioWrites[p]) ports.push([p, this.ioReads[p], this.ioWrites[p]]);
    if (ports.length) {
      ports.sort((a, b) => b[1] + b[2] - (a[1] + a[2]));
      lines.push("I/O exits by port:", "  port    reads    writes  device");
      for (const [p, r, w] of ports.slice(0, 20)) {
        lines.push(`  0x${p.toString(16).padStart(4, "0")} ${String(r).padStart(8)} ${String(w).padStart(9)}  ${portNames(p)}`);
      }
      if (ports.length > 20) lines.push(`  (${ports.length - 20} more ports)`);
    }
    if (this.mmio.size) {
      lines.push("EPT-violation (MMIO) exits by region:");
      for (const [name, c] of [...this.mmio].sort((a, b) => b[1] - a[1])) lines.push(`  ${name.padEnd(24)} ${String(c).padStart(8)}`);
    }
    return lines.join("\n");
  }
}
