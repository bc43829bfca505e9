// Extended page tables (SDM Vol.3 28.2): the EPTP, the 4-level walk of a guest-physical address,
// misconfigurations vs violations, accessed/dirty flags, and the guest-physical map the machine
// installs as cpu.phys (EptPhysicalMap) plus the builder of the machine's own EPT (EptBuilder).
//
// EPTP (SDM Vol.3 24.6.11, Table 24-8):
//   bits 2:0   paging-structure memory type: 0 UC, 6 WB
//   bits 5:3   page-walk length - 1 (3 for the 4-level walk)
//   bit  6     enable accessed and dirty flags
//   bits 11:7  reserved (0)
//   bits N-1:12 physical address of the PML4 table      bits 63:N reserved (0), N = MAXPHYADDR = 36
//
// EPT paging-structure entry (SDM Vol.3 28.2.2, Tables 28-1..28-6), 64 bits as lo/hi words:
//   bit 0 R, bit 1 W, bit 2 X       all three 0 = not present
//   bits 5:3  memory type (leaf only: 1 GiB PDPTE, 2 MiB PDE, PTE); reserved (0) in non-leaf entries
//   bit 6     ignore PAT (leaf); reserved in non-leaf entries
//   bit 7     page size: PDPTE/PDE 1 = leaf; reserved in PML4E; ignored in a PTE
//   bit 8     accessed, bit 9 dirty (leaf), when EPTP bit 6 = 1
//   bits N-1:12 address (1 GiB leaf: N-1:30 with 29:12 reserved; 2 MiB leaf: N-1:21 with 20:12 reserved)
//   bits 51:N reserved              bits 63:52 ignored

import { ExitReason } from "./exit-reasons.js";
import { ACC_READ, ACC_WRITE, type HostMemory, PhysicalMap } from "../cpu/memory.js";
import { EPT_QUAL_GLA_TRANSLATION, EPT_QUAL_GLA_VALID } from "./exit-qualification.js";

export const EPTP_MT_UC = 0, EPTP_MT_WB = 6, EPTP_PWL4 = 3 << 3, EPTP_AD = 1 << 6;
export const EPT_R = 1, EPT_W = 2, EPT_X = 4, EPT_RWX = 7;
export const EPT_IPAT = 1 << 6, EPT_LARGE = 1 << 7, EPT_A = 1 << 8, EPT_D = 1 << 9;
export const EPT_MT_SHIFT = 3;
/** EPT memory types (SDM Vol.3 28.2.6); 2, 3 and 7 are reserved. */
export const MT_UC = 0, MT_WC = 1, MT_WT = 4, MT_WP = 5, MT_WB = 6;

/** Reserved address bits 51:36 of an entry, in its high word. */
const HI_RESERVED = 0x000ffff0;
const TWO32 = 4294967296;

/** Is this EPTP acceptable to VM entry (SDM Vol.3 26.2.1.1; capabilities in controls.ts: UC/WB, 4 levels, A/D)? */
export function eptpValid(lo: number, hi: number): boolean {
  const mt = lo & 7;
  if (mt !== EPTP_MT_UC && mt !== EPTP_MT_WB) return false;
  if ((lo & 0x38) !== EPTP_PWL4) return false;
  if ((lo & 0xf80) !== 0) return false;
  return (hi & ~0xf) === 0;
}

/** EPTP low word for a PML4 table at host address `pml4` (4 KiB aligned, below 4 GiB). */
export function makeEptp(pml4: number, ad = false): number {
  return (pml4 & ~0xfff) | EPTP_MT_WB | EPTP_PWL4 | (ad ? EPTP_AD : 0);
}

/** Where the walker finds an 8-byte entry at physical address `addr`: host offset in `mem`, or -1. */
export interface EptTableMemory {
  entryOffset(addr: number, write: boolean): number;
}

export const WALK_OK = 0, WALK_VIOLATION = 1, WALK_MISCONFIG = 2, WALK_TABLE_FAULT = 3;

/** Result of one walk; one instance is reused (no allocation per walk). */
export class EptWalk {
  status = WALK_OK;
  /** Translated physical address (may exceed 2^32; a double). */
  addr = 0;
  /** AND of bits 2:0 over the entries used (0 when a not-present entry ended the walk). */
  rwx = 0;
  memType = 0;
  ipat = false;
  /** Level of the last entry used: 4 PML4E, 3 PDPTE, 2 PDE, 1 PTE. */
  level = 0;
  /** log2 of the page size mapped by the leaf (12, 21, 30). */
  pageShift = 12;
  /** EPT-violation qualification (status WALK_VIOLATION). */
  qualification = 0;
  /** Physical address of the entry being read when status is WALK_TABLE_FAULT. */
  faultAddr = 0;
  /** Host offsets of the entries used, [0] = PML4E. */
  readonly entryOff = new Int32Array(4);
}

/**
 * Walks the EPT rooted at EPTP `eptpLo/eptpHi` for guest-physical `gpa` (a non-negative number
 * below 2^48) and an access `accessBits` (EPT_R, EPT_W or EPT_X). Fills `out` and returns its
 * status. With EPTP.A/D = 1 a successful walk sets A in every entry used and D in the leaf of a
 * write (SDM Vol.3 28.2.4); tables are then accessed as writes. `executeOnly` allows the
 * 100b permission (IA32_VMX_EPT_VPID_CAP[0]); `glaBits` goes into a violation qualification.
 */
export function eptWalk(eptpLo: number, eptpHi: number, gpa: number, accessBits: number, tables: EptTableMemory,
  mem: HostMemory, out: EptWalk, executeOnly: boolean, glaBits: number): number {
  const ad = (eptpLo & EPTP_AD) !== 0;
  const view = mem.view;
  const gLo = gpa >>> 0, gHi = ((gpa - gLo) / TWO32) | 0;
  let tLo = eptpLo & 0xfffff000, tHi = eptpHi & 0xf;
  let rwx = 7;
  for (let level = 4; level >= 1; level--) {
    const idx = level === 4 ? (gHi >>> 7) & 511 : level === 3 ? ((gHi & 0x7f) << 2) | (gLo >>> 30)
      : level === 2 ? (gLo >>> 21) & 511 : (gLo >>> 12) & 511;
    const addr = tHi * TWO32 + (tLo >>> 0) + idx * 8;
    const h = tables.entryOffset(addr, ad);
    out.level = level;
    if (h < 0) { out.faultAddr = addr; return (out.status = WALK_TABLE_FAULT); }
    out.entryOff[4 - level] = h;
    const lo = view.getInt32(h, true), hi = view.getInt32(h + 4, true);
    const perm = lo & 7;
    rwx &= perm;
    if (perm === 0) {
      out.rwx = 0;
      out.qualification = (accessBits & 7) | glaBits;
      return (out.status = WALK_VIOLATION);
    }
    // SDM Vol.3 28.2.3.1: write-only / write-execute, unsupported execute-only, reserved bits.
    if (perm === 2 || perm === 6 || (perm === 4 && !executeOnly) || (hi & HI_RESERVED) !== 0) return (out.status = WALK_MISCONFIG);
    const leaf = level === 1 || (level !== 4 && (lo & EPT_LARGE) !== 0);
    if (!leaf) {
      if ((lo & 0xf8) !== 0) return (out.status = WALK_MISCONFIG);   // bits 7:3 of a non-leaf entry
      tLo = lo & 0xfffff000; tHi = hi & 0xf;
      continue;
    }
    const mt = (lo >>> EPT_MT_SHIFT) & 7;
    if (mt === 2 || mt === 3 || mt === 7) return (out.status = WALK_MISCONFIG);
    let base: number, shift: number;
    if (level === 3) {
      if ((lo & 0x3ffff000) !== 0) return (out.status = WALK_MISCONFIG);
      base = (lo & 0xc0000000) >>> 0; shift = 30;
    } else if (level === 2) {
      if ((lo & 0x001ff000) !== 0) return (out.status = WALK_MISCONFIG);
      base = (lo & 0xffe00000) >>> 0; shift = 21;
    } else {
      base = (lo & 0xfffff000) >>> 0; shift = 12;
    }
    out.rwx = rwx;
    out.memType = mt;
    out.ipat = (lo & EPT_IPAT) !== 0;
    out.pageShift = shift;
    if ((rwx & accessBits) !== accessBits) {
      out.qualification = (accessBits & 7) | (rwx << 3) | glaBits;
      return (out.status = WALK_VIOLATION);
    }
    out.addr = (hi & 0xf) * TWO32 + base + (gLo & ((1 << shift) - 1));
    if (ad) setAccessedDirty(mem, out, level, (accessBits & EPT_W) !== 0);
    return (out.status = WALK_OK);
  }
  return (out.status = WALK_MISCONFIG); // unreachable: level 1 is always a leaf
}

function setAccessedDirty(mem: HostMemory, out: EptWalk, leafLevel: number, write: boolean): void {
  for (let level = 4; level >= leafLevel; level--) {
    const h = out.entryOff[4 - level];
    const lo = mem.view.getInt32(h, true);
    const nv = lo | EPT_A | (write && level === leafLevel ? EPT_D : 0);
    if (nv !== lo) {
      mem.view.setInt32(h, nv, true);
      const p = h >>> 12;
      mem.dirty[p] = 1;
      if (mem.codePage[p]) { mem.codePage[p] = 0; mem.codeGen[p]++; }
    }
  }
}

/** Where an access that failed EPT translation goes: the VMM's MMIO / EPT-exit handler. */
export interface EptMmioHandler {
  read(map: EptPhysicalMap, gpa: number, size: number): number;
  write(map: EptPhysicalMap, gpa: number, size: number, value: number): void;
}

// Direct-mapped by guest-physical page: 64 Ki entries cover 256 MiB of RAM without aliasing.
const CACHE_SIZE = 1 << 16, CACHE_MASK = CACHE_SIZE - 1;

/**
 * The guest-physical map of a VMX guest: translate() walks the EPT. Without a parent, tables and
 * final addresses are host-physical (the machine's EPT). With a parent map (nested: L1's EPT for
 * its L2 guest), tables and final addresses are L1 guest-physical, translated through the parent.
 *
 * After a failed translate() (-1) the exit fields say why:
 *   exitReason  ExitReason.EPT_VIOLATION / EPT_MISCONFIG, or 0 when the failure is the parent's
 *               (faultInParent, parentAddress = L1 guest-physical address it refused) or the
 *               address has no host memory behind it;
 *   exitQualification (violations), guestPhysicalAddress.
 * Successful translations are cached per 4 KiB page (the bits of the accesses that were walked);
 * invept() drops the cache. The CPU's TLB caches combined GVA→host translations on top: after
 * changing EPT entries call invept() and cpu.flushTlb(false), as INVEPT does (SDM Vol.3 28.3.3.1).
 *
 * romStart/romEnd of PhysicalMap are not used: ROM is an EPT mapping without W (EptBuilder.mapRom),
 * so a ROM write is an EPT violation the VMM drops, as KVM does with read-only memory slots.
 */
export class EptPhysicalMap extends PhysicalMap implements EptTableMemory {
  eptpLo = 0;
  eptpHi = 0;
  /** IA32_VMX_EPT_VPID_CAP[0] of the CPU whose EPT this is. */
  executeOnly = false;
  /**
   * Qualification bits 7-8 for violations. translate() cannot tell a guest page-table read from an
   * access to the final translation, so both report "linear address, translation" (see docs/vmx.md).
   */
  glaBits = EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION;
  exitReason = 0;
  exitQualification = 0;
  guestPhysicalAddress = 0;
  faultInParent = false;
  parentAddress = 0;
  mmio: EptMmioHandler | null = null;
  /**
   * Where the tables live when they are not in `mem`: the VMM's own memory (the machine's EPT),
   * at host-physical addresses [tableHpa, tableHpa + tableMem.size). Leaves still name `mem`.
   */
  tableMem: HostMemory | null = null;
  tableHpa = 0;
  /** The last walk (memory type, page size, permissions), for callers that want more than the offset. */
  readonly walk = new EptWalk();
  private readonly cTag = new Int32Array(CACHE_SIZE).fill(-1);
  private readonly cHost = new Int32Array(CACHE_SIZE);
  private readonly cPerm = new Uint8Array(CACHE_SIZE);

  constructor(mem: HostMemory, eptpLo: number, eptpHi = 0, readonly parent: PhysicalMap | null = null) {
    super(mem);
    this.eptpLo = eptpLo | 0;
    this.eptpHi = eptpHi | 0;
  }

  /** Loads a new EPTP (VM entry with another VMCS) and drops cached translations. */
  setEptp(lo: number, hi = 0): void {
    this.eptpLo = lo | 0;
    this.eptpHi = hi | 0;
    this.invept();
  }

  /** INVEPT: drops every cached guest-physical translation of this map. */
  invept(): void {
    this.cTag.fill(-1);
  }

  /** A snapshot point: nothing cached survives (the tables may have been rewritten under it). */
  override dropCaches(): void {
    this.invept();
  }

  /** Host offset of guest-physical `gpa` (A20 mask applied first), or -1 with the exit fields set. */
  override translate(gpa: number, access: number): number {
    const a = (gpa & this.a20Mask) >>> 0;
    const page = a >>> 12, slot = page & CACHE_MASK;
    if (this.cTag[slot] === page && (this.cPerm[slot] & (1 << access)) !== 0) return this.cHost[slot] + (a & 0xfff);
    return this.translateSlow(a, access);
  }

  private translateSlow(a: number, access: number): number {
    const bit = 1 << access;
    const w = this.walk;
    const st = eptWalk(this.eptpLo, this.eptpHi, a, bit, this, this.tableMem ?? this.mem, w, this.executeOnly, this.glaBits);
    this.faultInParent = false;
    this.guestPhysicalAddress = a;
    if (st !== WALK_OK) {
      this.exitQualification = 0;
      if (st === WALK_VIOLATION) {
        this.exitReason = ExitReason.EPT_VIOLATION;
        this.exitQualification = w.qualification;
      } else if (st === WALK_TABLE_FAULT && this.parent !== null) {
        this.exitReason = 0;
        this.faultInParent = true;
        this.parentAddress = w.faultAddr;
      } else {
        // A table outside host memory reads as all ones on a real bus: a misconfigured entry.
        this.exitReason = ExitReason.EPT_MISCONFIG;
      }
      return -1;
    }
    let h: number;
    if (this.parent !== null) {
      h = w.addr < TWO32 ? this.parent.translate(w.addr, access) : -1;
      if (h < 0) {
        this.exitReason = 0;
        this.faultInParent = true;
        this.parentAddress = w.addr;
        return -1;
      }
    } else {
      h = w.addr;
      if (h >= this.mem.size) { this.exitReason = 0; return -1; }
    }
    // Cache the page: without a parent all walked permissions at once (W only once D is set when
    // A/D is on); with a parent only the access just checked through both levels.
    const page = a >>> 12, slot = page & CACHE_MASK, hostPage = h - (a & 0xfff);
    let perm = bit;
    if (this.parent === null) {
      perm = w.rwx;
      if ((this.eptpLo & EPTP_AD) !== 0 && access !== ACC_WRITE) perm &= ~EPT_W;
    }
    if (this.cTag[slot] === page && this.cHost[slot] === hostPage) this.cPerm[slot] |= perm;
    else { this.cTag[slot] = page; this.cHost[slot] = hostPage; this.cPerm[slot] = perm; }
    return h;
  }

  /** EptTableMemory for this map's own tables: host memory, or the parent's guest-physical space. */
  entryOffset(addr: number, write: boolean): number {
    if (this.parent !== null) return addr < TWO32 ? this.parent.translate(addr, write ? ACC_WRITE : ACC_READ) : -1;
    if (this.tableMem !== null) { const o = addr - this.tableHpa; return o >= 0 && o + 8 <= this.tableMem.size ? o : -1; }
    return addr + 8 <= this.mem.size ? addr : -1;
  }

  override mmioRead(gpa: number, size: number): number {
    if (this.faultInParent && this.parent !== null) return this.parent.mmioRead(this.parentAddress, size);
    return this.mmio !== null ? this.mmio.read(this, gpa, size) : super.mmioRead(gpa, size);
  }

  override mmioWrite(gpa: number, size: number, value: number): void {
    if (this.faultInParent && this.parent !== null) { this.parent.mmioWrite(this.parentAddress, size, value); return; }
    if (this.mmio !== null) this.mmio.write(this, gpa, size, value); else super.mmioWrite(gpa, size, value);
  }
}

/** A guest-physical range the builder maps (RAM: RWX; ROM: R+X, writes become EPT violations). */
export interface EptRegion { gpa: number; size: number; hpa?: number; perms?: number }

/**
 * Builds EPT paging structures in the host-memory window [base, base+size) reserved for them:
 * the PML4 at `base`, further tables allocated upward. Mappings use 2 MiB pages where guest- and
 * host-physical addresses are 2 MiB aligned (1 GiB pages when `gigPages`), 4 KiB otherwise; a
 * later map()/unmap() over part of a large page splits it. Leaves are WB. Everything not mapped
 * stays not present, so guest accesses there are EPT violations: MMIO exits.
 * Set-up code: errors are exceptions (RangeError), not guest-visible events.
 */
export class EptBuilder {
  readonly pml4: number;
  private next: number;
  /** Use 1 GiB pages where alignment allows (IA32_VMX_EPT_VPID_CAP[17]). */
  gigPages = false;

  /**
   * @param hpaBase host-physical address of `mem`'s byte 0 as the entries name it: 0 when the
   *   tables share host memory with what they map; the VMM's own table memory sits elsewhere.
   */
  constructor(readonly mem: HostMemory, readonly base: number, readonly size: number, readonly hpaBase = 0) {
    if (base % 4096 !== 0 || size < 4096 || base + size > mem.size) throw new RangeError(`EPT window 0x${base.toString(16)}+0x${size.toString(16)} is not page-aligned host memory`);
    this.next = base;
    this.pml4 = this.alloc();
  }

  /** Identity-maps `regions` (RAM when perms is omitted) into a fresh EPT in the window. */
  static identity(mem: HostMemory, base: number, size: number, regions: readonly EptRegion[]): EptBuilder {
    const b = new EptBuilder(mem, base, size);
    for (const r of regions) b.map(r.gpa, r.hpa ?? r.gpa, r.size, r.perms ?? EPT_RWX);
    return b;
  }

  /** EPTP low word for these tables (WB, 4 levels; A/D flags when `ad`). The high word is 0. */
  eptp(ad = false): number {
    return makeEptp(this.hpaBase + this.pml4, ad);
  }

  /** Host bytes of the window used so far. */
  get used(): number {
    return this.next - this.base;
  }

  mapRam(gpa: number, size: number, hpa = gpa): void {
    this.map(gpa, hpa, size, EPT_RWX);
  }
  mapRom(gpa: number, size: number, hpa = gpa): void {
    this.map(gpa, hpa, size, EPT_R | EPT_X);
  }
  unmap(gpa: number, size: number): void {
    this.map(gpa, 0, size, 0);
  }

  /** Maps guest-physical [gpa, gpa+size) to host [hpa, ...) with permissions `perms` (0 = not present). */
  map(gpa: number, hpa: number, size: number, perms: number, memType = MT_WB): void {
    if (gpa % 4096 !== 0 || hpa % 4096 !== 0 || size % 4096 !== 0 || gpa + size > TWO32 || hpa + size > TWO32) {
      throw new RangeError(`EPT map 0x${gpa.toString(16)}→0x${hpa.toString(16)} size 0x${size.toString(16)}: not page-aligned below 4 GiB`);
    }
    const attr = perms === 0 ? 0 : (perms & 7) | (memType << EPT_MT_SHIFT);
    const end = gpa + size;
    let g = gpa, h = hpa;
    const GIB = 1 << 30, MIB2 = 1 << 21;
    while (g < end) {
      const left = end - g;
      const pdpt = this.table(this.pml4, 0, 4, attr !== 0);
      if (pdpt < 0) return;
      const pdptIdx = Math.floor(g / GIB);
      if (this.gigPages && g % GIB === 0 && (attr === 0 || h % GIB === 0) && left >= GIB) {
        this.setEntry(pdpt, pdptIdx, attr === 0 ? 0 : h | attr | EPT_LARGE);
        g += GIB; h += GIB; continue;
      }
      const pd = this.table(pdpt, pdptIdx, 3, attr !== 0);
      if (pd < 0) { const n = (pdptIdx + 1) * GIB; h += n - g; g = n; continue; }
      const pdIdx = (g >>> 21) & 511;
      if (g % MIB2 === 0 && (attr === 0 || h % MIB2 === 0) && left >= MIB2) {
        this.setEntry(pd, pdIdx, attr === 0 ? 0 : h | attr | EPT_LARGE);
        g += MIB2; h += MIB2; continue;
      }
      const pt = this.table(pd, pdIdx, 2, attr !== 0);
      if (pt < 0) { const n = (Math.floor(g / MIB2) + 1) * MIB2; h += n - g; g = n; continue; }
      this.setEntry(pt, (g >>> 12) & 511, attr === 0 ? 0 : h | attr);
      g += 4096; h += 4096;
    }
  }

  /** Entry `idx` of the table at host `tab` (level 4..2) as a table address, creating or splitting it; -1 if absent and !create. */
  private table(tab: number, idx: number, level: number, create: boolean): number {
    const e = this.mem.view.getInt32(tab + idx * 8, true);
    if ((e & 7) !== 0 && (level === 4 || (e & EPT_LARGE) === 0)) return ((e & 0xfffff000) >>> 0) - this.hpaBase;
    if ((e & 7) === 0 && !create) return -1;
    const t = this.alloc();
    if ((e & 7) !== 0) {
      // Split a large page (level 3: 1 GiB into 2 MiB leaves; level 2: 2 MiB into 4 KiB leaves).
      const step = level === 3 ? 1 << 21 : 4096;
      const attr = e & 0x7f;
      const baseAddr = (e & (level === 3 ? 0xc0000000 : 0xffe00000)) >>> 0;
      for (let i = 0; i < 512; i++) this.setEntry(t, i, (baseAddr + i * step) | attr | (level === 3 ? EPT_LARGE : 0));
    }
    this.setEntry(tab, idx, (this.hpaBase + t) | EPT_RWX);
    return t;
  }

  private setEntry(tab: number, idx: number, lo: number): void {
    this.mem.view.setInt32(tab + idx * 8, lo, true);
    this.mem.view.setInt32(tab + idx * 8 + 4, 0, true);
  }

  private alloc(): number {
    const a = this.next;
    if (a + 4096 > this.base + this.size) throw new RangeError(`EPT window of 0x${this.size.toString(16)} bytes is full`);
    this.mem.bytes.fill(0, a, a + 4096);
    this.next = a + 4096;
    return a;
  }
}
