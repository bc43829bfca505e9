// In-memory snapshots for a reverse-execution timeline (design §4): a tree of snapshots, each a
// full memory image or a delta on its parent (the snapshot the machine's RAM descended from when
// it was taken: the previous take, or the snapshot last restored into that machine).
//
// take(): the first snapshot of a machine, or every `fullEvery`-th in a chain, is full; the
// others hold only the pages written since the parent (DirtyLog). Over `budgetBytes`, an
// intermediate snapshot is evicted: the one whose removal leaves the smallest icount gap between
// its timeline neighbours (ties: the oldest). Its children absorb its pages (mergeImages), so
// every remaining snapshot still restores exactly. Never evicted: a machine's current parent
// (the next delta needs it), the newest snapshot, and the earliest one.

import { deflateRawSync } from "node:zlib";
import { codec } from "./trace-format.js";
import { dropTranslationCaches } from "../cpu/snapshot.js";
import type { Machine } from "../vmx/machine.js";
import { DirtyLog } from "./dirty-pages.js";
import { captureDelta, captureFull, captureMachine, DEFLATE_LEVEL, mergeImages, restoreMachine, type MachineState } from "./snapshot.js";

export interface SnapshotStoreOptions {
  /** Bytes of snapshot data to hold before evicting (default 512 MiB). */
  budgetBytes?: number;
  /** Depth of a delta chain after which take() makes a full snapshot (default 32). */
  fullEvery?: number;
  /** zlib level for memory images (default DEFLATE_LEVEL). */
  level?: number;
  /**
   * Keep each machine's RAM as of its current parent snapshot (one RAM-sized copy, updated with the
   * written pages at every take): restoring that snapshot again is then a copy, not a chain inflate
   * (the reverse debugger restores the same snapshot for every reverse-stepi). Default false.
   */
  shadowRam?: boolean;
  /**
   * Make a full snapshot instead of a delta once the pages of the chain's deltas would exceed this
   * many times the pages of its full image (a restore inflates all of them). Default: no bound.
   */
  chainPagesRatio?: number;
}

export interface SnapshotInfo {
  id: number;
  icount: number;
  kind: "full" | "delta";
  /** Parent snapshot id, -1 for a full snapshot. */
  parent: number;
  /** Bytes accounted to this snapshot (compressed memory image + encoded machine state). */
  bytes: number;
  /** Pages stored in the image (non-zero pages with data plus zero pages listed). */
  pages: number;
}

interface Stored {
  id: number;
  parent: number;
  state: MachineState;
  bytes: number;
}

interface Head {
  id: number;
  /** Pages written since `id` was taken or restored. */
  written: Uint8Array;
  /** RAM as of snapshot `id` (shadowRam), or null. */
  shadow: Uint8Array | null;
}

const PAGE_SIZE = 4096;
/** A raw deflate stream of no bytes (a full image with no pages: all of RAM zero). */
const EMPTY_DEFLATE = new Uint8Array(deflateRawSync(Buffer.alloc(0)));

export class SnapshotStore {
  private readonly snaps = new Map<number, Stored>();
  private readonly heads = new Map<Machine, Head>();
  private nextId = 0;
  private held = 0;
  private readonly budget: number;
  private readonly fullEvery: number;
  private readonly level: number;
  private readonly shadowRam: boolean;
  private readonly chainPagesRatio: number;

  constructor(options: SnapshotStoreOptions = {}) {
    this.budget = options.budgetBytes ?? 512 << 20;
    this.fullEvery = Math.max(1, options.fullEvery ?? 32);
    this.level = options.level ?? DEFLATE_LEVEL;
    this.shadowRam = options.shadowRam ?? false;
    this.chainPagesRatio = options.chainPagesRatio ?? Infinity;
  }

  /** Snapshots the machine at its current instruction boundary; returns the snapshot id. */
  take(m: Machine): number {
    const log = DirtyLog.of(m.mem);
    let head = this.heads.get(m);
    if (!head) {
      head = { id: -1, written: log.subscribe(), shadow: null };
      this.heads.set(m, head);
    }
    log.collect(m.cpu);
    const parent = head.id >= 0 && this.snaps.has(head.id) && this.depth(head.id) + 1 < this.fullEvery && this.chainFits(head.id, head.written) ? head.id : -1;
    const image = parent < 0 ? captureFull(m.mem, this.level) : captureDelta(m.mem, head.written, this.level);
    const state = captureMachine(m, image);
    const id = this.nextId++;
    const s: Stored = { id, parent, state, bytes: 0 };
    s.bytes = accountedBytes(state);
    this.snaps.set(id, s);
    this.held += s.bytes;
    if (this.shadowRam) this.updateShadow(head, m, parent < 0);
    head.id = id;
    head.written.fill(0);
    this.evict();
    return id;
  }

  /** Would a delta of the `written` pages on `parent` keep the chain's pages within chainPagesRatio × its full image's? */
  private chainFits(parent: number, written: Uint8Array): boolean {
    if (this.chainPagesRatio === Infinity) return true;
    let pages = 0;
    for (let p = 0; p < written.length; p++) pages += written[p];
    let s = this.get(parent);
    for (; s.parent >= 0; s = this.get(s.parent)) pages += s.state.memory.pages.length >>> 2;
    return pages <= this.chainPagesRatio * (s.state.memory.pages.length >>> 2);
  }

  /** The shadow becomes RAM as it is now: all of it, or only the pages written since the head. */
  private updateShadow(head: Head, m: Machine, all: boolean): void {
    const bytes = m.mem.bytes;
    if (!head.shadow || all) {
      head.shadow ??= new Uint8Array(bytes.length);
      head.shadow.set(bytes);
      return;
    }
    const w = head.written, shadow = head.shadow;
    for (let p = 0; p < w.length; p++) if (w[p]) shadow.set(bytes.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), p * PAGE_SIZE);
  }

  /** Puts the machine in the state of snapshot `id` (the machine may be another one of the same configuration). */
  restore(m: Machine, id: number): void {
    let head = this.heads.get(m);
    if (head && head.id === id && head.shadow && this.snaps.has(id)) {
      // The shadow holds RAM as of `id`: everything else from the snapshot over a zeroed RAM, then the copy.
      const st = this.get(id).state;
      restoreMachine(m, { ...st, memory: { kind: "full", pageCount: st.memory.pageCount, pages: new Uint8Array(0), zeroPages: new Uint8Array(0), data: EMPTY_DEFLATE } });
      m.mem.bytes.set(head.shadow);
      dropTranslationCaches(m.cpu);
    } else {
      restoreMachine(m, this.chain(id));
    }
    if (!head) {
      head = { id, written: DirtyLog.of(m.mem).subscribe(), shadow: null };
      this.heads.set(m, head);
    }
    if (this.shadowRam && (head.id !== id || !head.shadow)) this.updateShadow(head, m, true);
    head.id = id;
    head.written.fill(0);
  }

  /** Snapshot `id` as one self-contained state with a full memory image (for a file or a trace). */
  materialize(id: number): MachineState {
    const chain = this.chain(id);
    let img = chain[0].memory;
    for (let i = 1; i < chain.length; i++) img = mergeImages(img, chain[i].memory, this.level);
    return { ...chain[chain.length - 1], memory: img };
  }

  /** Stops tracking a machine (its next take() is full); its dirty-page sink is released. */
  forget(m: Machine): void {
    const head = this.heads.get(m);
    if (!head) return;
    DirtyLog.of(m.mem).unsubscribe(head.written);
    this.heads.delete(m);
  }

  has(id: number): boolean {
    return this.snaps.has(id);
  }

  info(id: number): SnapshotInfo {
    const s = this.get(id);
    return {
      id, icount: s.state.icount, kind: s.state.memory.kind, parent: s.parent, bytes: s.bytes,
      pages: (s.state.memory.pages.length + s.state.memory.zeroPages.length) >>> 2,
    };
  }

  /** All snapshots, by icount then id. */
  list(): SnapshotInfo[] {
    return [...this.snaps.keys()].map((id) => this.info(id)).sort((a, b) => a.icount - b.icount || a.id - b.id);
  }

  /** The id of the latest snapshot at or before `icount`, or -1. */
  latestAtOrBefore(icount: number): number {
    let best: SnapshotInfo | undefined;
    for (const s of this.list()) if (s.icount <= icount) best = s;
    return best ? best.id : -1;
  }

  /** Bytes held by all snapshots. */
  bytesHeld(): number {
    return this.held;
  }

  private get(id: number): Stored {
    const s = this.snaps.get(id);
    if (!s) throw new RangeError(`no snapshot ${id} (evicted or never taken)`);
    return s;
  }

  /** The states from the full ancestor of `id` down to `id`. */
  private chain(id: number): MachineState[] {
    const out: MachineState[] = [];
    for (let s = this.get(id); ; s = this.get(s.parent)) {
      out.push(s.state);
      if (s.parent < 0) break;
    }
    return out.reverse();
  }

  private depth(id: number): number {
    let d = 0;
    for (let s = this.get(id); s.parent >= 0; s = this.get(s.parent)) d++;
    return d;
  }

  private evict(): void {
    while (this.held > this.budget) {
      const victim = this.pickVictim();
      if (victim < 0) return;
      this.remove(victim);
    }
  }

  private pickVictim(): number {
    const order = this.list();
    if (order.length <= 2) return -1;
    const protectedIds = new Set<number>([...this.heads.values()].map((h) => h.id));
    protectedIds.add(this.nextId - 1);
    let best = -1, bestGap = Infinity;
    for (let i = 1; i < order.length - 1; i++) {
      const id = order[i].id;
      if (protectedIds.has(id)) continue;
      const gap = order[i + 1].icount - order[i - 1].icount;
      if (gap < bestGap) { best = id; bestGap = gap; }
    }
    return best;
  }

  /** Drops snapshot `id`; its children take over its pages and its parent. */
  private remove(id: number): void {
    const x = this.get(id);
    for (const c of this.snaps.values()) {
      if (c.parent !== id) continue;
      c.state = { ...c.state, memory: mergeImages(x.state.memory, c.state.memory, this.level) };
      c.parent = x.parent;
      this.held -= c.bytes;
      c.bytes = accountedBytes(c.state);
      this.held += c.bytes;
    }
    this.snaps.delete(id);
    this.held -= x.bytes;
  }
}

/** Compressed memory image plus page lists plus the encoded size of everything else. */
function accountedBytes(s: MachineState): number {
  const img = s.memory;
  const rest = (codec.encode({ ...s, memory: null }) as Uint8Array).length;
  return img.data.length + img.pages.length + img.zeroPages.length + rest;
}
