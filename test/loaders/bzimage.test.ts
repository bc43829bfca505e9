import { describe, expect, it } from "vitest";
import { loadBzImage, parseBzImage } from "../../src/loaders/bzimage.js";
import { ImageError } from "../../src/loaders/image-error.js";
import { PlacementError, type LoadPlan } from "../../src/loaders/plan.js";
import { runToHalt } from "../cpu/harness.js";
import { EAX, EBP, EBX, ECX, EDI, EDX } from "../../src/cpu/constants.js";
import { applyPlan, nasmBin, planBytes, u16, u32, u64, u8 } from "./apply.js";

// Offsets from Documentation/arch/x86/boot.rst ("The real-mode kernel header") and zero-page.rst,
// written out here independently of the loader's constants.
const MiB = 1 << 20;

interface BzSpec {
  version?: number; setupSects?: number; loadflags?: number; initrdAddrMax?: number; kernelAlignment?: number;
  relocatable?: number; cmdlineSize?: number; prefAddress?: number; initSize?: number; pm?: Uint8Array;
}

/** A synthetic bzImage: setup sectors with a protocol header, then the protected-mode "kernel". */
function makeBzImage(s: BzSpec = {}): Uint8Array {
  const sects = s.setupSects ?? 2;
  const setupLen = ((sects === 0 ? 4 : sects) + 1) * 512;
  const pm = s.pm ?? new Uint8Array(64).map((_, i) => i + 1);
  const pmLen = Math.ceil(pm.length / 16) * 16;
  const img = new Uint8Array(setupLen + pmLen);
  const v = new DataView(img.buffer);
  img[0x1f1] = sects;
  v.setUint32(0x1f4, pmLen / 16, true);                 // syssize
  v.setUint16(0x1fa, 0xffff, true);                      // vid_mode NORMAL_VGA
  v.setUint16(0x1fe, 0xaa55, true);                      // boot_flag
  img[0x200] = 0xeb; img[0x201] = 0x6a;                  // jmp → header ends at 0x26c
  img.set([0x48, 0x64, 0x72, 0x53], 0x202);              // "HdrS"
  v.setUint16(0x206, s.version ?? 0x20f, true);
  v.setUint16(0x20e, 0x100, true);                       // kernel_version string at 0x300
  img.set(Array.from("9.9.9-test (x86rr) #1", (c) => c.charCodeAt(0)), 0x300);
  img[0x211] = s.loadflags ?? 0x01;                      // LOADED_HIGH
  v.setUint32(0x214, 0x100000, true);                    // code32_start
  v.setUint32(0x22c, s.initrdAddrMax ?? 0x7fffffff, true);
  v.setUint32(0x230, s.kernelAlignment ?? 0x100000, true);
  img[0x234] = s.relocatable ?? 1;
  img[0x235] = 0x0d;                                     // min_alignment (copied, unused)
  v.setUint32(0x238, s.cmdlineSize ?? 0x7ff, true);
  v.setUint32(0x258, s.prefAddress ?? 0x100000, true);
  v.setUint32(0x260, s.initSize ?? 0x200000, true);
  img.set(pm, setupLen);
  return img;
}

const initrd = (n: number) => ({ file: "initrd.img", bytes: new Uint8Array(n).map((_, i) => (i * 7) & 0xff) });
const write = (p: LoadPlan, what: string) => {
  const w = p.writes.find((x) => x.what === what);
  if (!w) throw new Error(`no write "${what}"`);
  return w;
};
const errorOf = (f: () => unknown): Error => {
  try { f(); } catch (e) { return e as Error; }
  throw new Error("no error thrown");
};

describe("bzImage setup header (boot.rst)", () => {
  it("setup_sects 0 means 4: protected-mode kernel at file offset (4+1)*512 = 0xa00", () => {
    const h = parseBzImage("vmlinuz", makeBzImage({ setupSects: 0 }));
    expect(h.setupSects).toBe(4);
    expect(h.pmOffset).toBe(0xa00);
  });
  it("reads version 2.15, syssize×16, initrd_addr_max, kernel_alignment, cmdline_size, pref_address, init_size, kernel_version string", () => {
    const h = parseBzImage("vmlinuz", makeBzImage({ initrdAddrMax: 0x37ffffff, cmdlineSize: 0x3ff, initSize: 0x123000 }));
    expect(h).toMatchObject({
      version: 0x20f, pmOffset: 0x600, pmSize: 64, loadflags: 1, code32Start: 0x100000, initrdAddrMax: 0x37ffffff,
      kernelAlignment: 0x100000, relocatable: true, cmdlineSize: 0x3ff, prefAddress: 0x100000, initSize: 0x123000,
      headerEnd: 0x26c, kernelVersion: "9.9.9-test (x86rr) #1",
    });
  });
  it("protocol 2.05 (before cmdline_size): the command line limit is 255 bytes", () => {
    expect(parseBzImage("vmlinuz", makeBzImage({ version: 0x205 })).cmdlineSize).toBe(255);
  });
});

describe("bzImage load plan: 32-bit boot protocol", () => {
  const mem = 8 * MiB;
  const img = makeBzImage();
  const plan = loadBzImage("vmlinuz", img, { memBytes: mem, cmdline: "console=ttyS0 quiet", initrd: initrd(5000) });
  const bp = write(plan, "boot_params");
  const bpAddr = bp.gpa;

  it("protected-mode kernel (file offset 0x600, syssize*16 bytes) is written at 1 MiB", () => {
    const k = write(plan, "protected-mode kernel");
    expect(k.gpa).toBe(0x100000);
    expect(Array.from(k.bytes)).toEqual(Array.from(img.subarray(0x600, 0x640)));
  });
  it("entry: EIP = 0x100000, ESI = boot_params, EBX = EBP = EDI = 0, IF = 0, CR0.PE = 1 paging off", () => {
    const e = plan.entry;
    if (e.mode !== "flat32") throw new Error("not flat32");
    expect(e.eip).toBe(0x100000);
    expect(e.regs.esi).toBe(bpAddr);
    expect([e.regs.ebx, e.regs.ebp, e.regs.edi]).toEqual([0, 0, 0]);
    expect(e.eflags & 0x200).toBe(0);
    expect(e.cr0).toBe(1);
  });
  it("CS = __BOOT_CS 0x10, DS/ES/SS = __BOOT_DS 0x18, and the GDT the plan writes holds flat 4 GiB descriptors there (SDM 3.4.5)", () => {
    const e = plan.entry;
    if (e.mode !== "flat32") throw new Error("not flat32");
    expect(e.segments.cs.selector).toBe(0x10);
    for (const s of [e.segments.ds, e.segments.es, e.segments.ss]) expect(s.selector).toBe(0x18);
    const gdt = planBytes(plan, e.gdtr.base, e.gdtr.limit + 1);
    const desc = (sel: number) => {
      const d = gdt.subarray(sel, sel + 8);
      return {
        base: d[2] | (d[3] << 8) | (d[4] << 16) | (d[7] << 24), limit: d[0] | (d[1] << 8) | ((d[6] & 0xf) << 16),
        type: d[5] & 0xf, s: (d[5] >> 4) & 1, dpl: (d[5] >> 5) & 3, p: d[5] >> 7, db: (d[6] >> 6) & 1, g: d[6] >> 7,
      };
    };
    expect(desc(0x10)).toEqual({ base: 0, limit: 0xfffff, type: 0xb, s: 1, dpl: 0, p: 1, db: 1, g: 1 });
    expect(desc(0x18)).toEqual({ base: 0, limit: 0xfffff, type: 0x3, s: 1, dpl: 0, p: 1, db: 1, g: 1 });
    expect(e.segments.cs.accessRights).toBe(0xc09b);
    expect(e.segments.ds.accessRights).toBe(0xc093);
  });
  it("boot_params: setup header 0x1f1-0x26c copied from the image, except the loader's fields", () => {
    const loaderFields = new Set<number>();
    for (const [off, n] of [[0x210, 1], [0x211, 1], [0x214, 4], [0x218, 4], [0x21c, 4], [0x224, 2], [0x228, 4]]) for (let i = 0; i < n; i++) loaderFields.add(off + i);
    for (let o = 0x1f1; o < 0x26c; o++) if (!loaderFields.has(o)) expect([o, bp.bytes[o]]).toEqual([o, img[o]]);
    expect(u16(bp.bytes, 0x1fa)).toBe(0xffff);
    expect(bp.bytes[0x26c]).toBe(0);
  });
  it("type_of_loader 0xff, loadflags LOADED_HIGH|CAN_USE_HEAP (0x81), heap_end_ptr 0xde00, code32_start 0x100000", () => {
    expect(u8(bp.bytes, 0x210)).toBe(0xff);
    expect(u8(bp.bytes, 0x211)).toBe(0x81);
    expect(u16(bp.bytes, 0x224)).toBe(0xde00);
    expect(u32(bp.bytes, 0x214)).toBe(0x100000);
  });
  it("cmd_line_ptr points below 0xa0000 at the NUL-terminated command line", () => {
    const p = u32(bp.bytes, 0x228);
    expect(p).toBeLessThan(0xa0000);
    expect(String.fromCharCode(...planBytes(plan, p, 20))).toBe("console=ttyS0 quiet\0");
  });
  it("initrd of 5000 bytes: page-aligned, as high as possible below RAM top 8 MiB → 0x7fe000; ramdisk_image/size say so", () => {
    const w = write(plan, "initrd");
    expect(w.gpa).toBe(0x7fe000);
    expect(u32(bp.bytes, 0x218)).toBe(0x7fe000);
    expect(u32(bp.bytes, 0x21c)).toBe(5000);
  });
  it("initrd_addr_max 0x3fffff caps the initrd: it ends at or below 4 MiB, page-aligned", () => {
    const p = loadBzImage("vmlinuz", makeBzImage({ initrdAddrMax: 0x3fffff }), { memBytes: mem, initrd: initrd(5000) });
    expect(write(p, "initrd").gpa).toBe(0x3fe000);
  });
  it("e820: 3 entries at 0x1e8; table at 0x2d0 = usable 0-0x9fc00, reserved 0x9fc00-1 MiB, usable 1 MiB-8 MiB", () => {
    expect(u8(bp.bytes, 0x1e8)).toBe(3);
    const e = [0, 1, 2].map((i) => [u64(bp.bytes, 0x2d0 + 20 * i), u64(bp.bytes, 0x2d8 + 20 * i), u32(bp.bytes, 0x2e0 + 20 * i)]);
    expect(e).toEqual([[0, 0x9fc00, 1], [0x9fc00, 0x60400, 2], [0x100000, 7 * MiB, 1]]);
    expect(u32(bp.bytes, 0x2d0 + 20 * 3 + 16)).toBe(0);
  });
  it("screen_info: orig_video_isVGA (0x0f) = 0, whole screen_info zero (no VGA console, serial only)", () => {
    expect(Array.from(bp.bytes.subarray(0, 0x40)).every((b) => b === 0)).toBe(true);
  });
  it("alt_mem_k (0x1e0) = KiB above 1 MiB = 7168", () => {
    expect(u32(bp.bytes, 0x1e0)).toBe(7168);
  });
  it("applied to the interpreter, a kernel at 1 MiB far-jumps through the GDT and reads boot_params via ESI", () => {
    const kernel = nasmBin(`bits 32
org 0x100000
  jmp 0x10:cs_ok
cs_ok:
  mov ax, 0x18
  mov ds, ax
  mov ss, ax
  mov eax, [esi+0x228]
  movzx ebx, byte [eax]
  mov ecx, [esi+0x218]
  mov edx, [ecx]
  movzx edi, byte [esi+0x1e8]
  mov ebp, [esi+0x2d0+2*20+8]
  hlt`);
    const p = loadBzImage("vmlinuz", makeBzImage({ pm: kernel }), { memBytes: mem, cmdline: "root=/dev/ram0", initrd: initrd(5000) });
    const m = applyPlan(p, mem);
    runToHalt(m.cpu, 100);
    expect(m.cpu.regs[EBX]).toBe("r".charCodeAt(0));
    expect(m.cpu.regs[EAX]).toBe(u32(write(p, "boot_params").bytes, 0x228));
    expect(m.cpu.regs[ECX]).toBe(0x7fe000);
    expect(m.cpu.regs[EDX] >>> 0).toBe(u32(initrd(5000).bytes, 0));
    expect(m.cpu.regs[EDI]).toBe(3);
    expect(m.cpu.regs[EBP]).toBe(7 * MiB);
  });
});

describe("bzImage errors name the file and offset", () => {
  it("256-byte file → ImageError at 0x202: no setup header", () => {
    const e = errorOf(() => parseBzImage("vmlinuz", new Uint8Array(256)));
    expect(e).toBeInstanceOf(ImageError);
    expect(e.message).toBe('vmlinuz: offset 0x202: expected a bzImage setup header ("HdrS" at 0x202), found bytes 00 00 00 00, only 256 bytes');
    expect((e as ImageError).offset).toBe(0x202);
  });
  it("\"HdrX\" at 0x202 → bad magic, shows the bytes found", () => {
    const img = makeBzImage();
    img[0x205] = 0x58;
    expect(errorOf(() => parseBzImage("vmlinuz", img)).message)
      .toBe('vmlinuz: offset 0x202: expected bzImage magic "HdrS" (48 64 72 53), found 48 64 72 58; the file starts with bytes 00 00 00 00');
  });
  it("an ELF file → names it as ELF", () => {
    const elf = new Uint8Array(0x400);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    expect(errorOf(() => parseBzImage("kernel.elf", elf)).message).toContain("the file starts with an ELF file (7f 45 4c 46)");
  });
  it("protocol 2.03 → refused at 0x206 with the version", () => {
    expect(errorOf(() => parseBzImage("vmlinuz", makeBzImage({ version: 0x203 }))).message)
      .toBe("vmlinuz: offset 0x206: expected boot protocol version 2.04 or later (32-bit syssize), found 2.03: kernels this old are not supported");
  });
  it("loadflags without LOADED_HIGH (a zImage) → refused at 0x211", () => {
    expect(errorOf(() => parseBzImage("zImage", makeBzImage({ loadflags: 0 }))).message)
      .toBe("zImage: offset 0x211: expected loadflags LOADED_HIGH (bit 0): a bzImage, found 0x0, a zImage loaded at 0x10000 (not supported)");
  });
  it("boot_flag not 0xaa55 → refused at 0x1fe", () => {
    const img = makeBzImage();
    img[0x1fe] = 0;
    expect(errorOf(() => parseBzImage("vmlinuz", img)).message).toBe("vmlinuz: offset 0x1fe: expected boot_flag 0xaa55, found 0xaa00");
  });
  it("file cut 16 bytes into the protected-mode kernel → error at the file end", () => {
    const img = makeBzImage().subarray(0, 0x610);
    expect(errorOf(() => parseBzImage("vmlinuz", img)).message)
      .toBe("vmlinuz: offset 0x610: expected the protected-mode kernel at 0x600, 64 bytes (syssize 0x4), found the file ends after 16 bytes of it");
  });
  it("kernel_alignment 0x30000 (not a power of two) → refused at 0x230", () => {
    expect(errorOf(() => parseBzImage("vmlinuz", makeBzImage({ kernelAlignment: 0x30000 }))).message)
      .toBe("vmlinuz: offset 0x230: expected kernel_alignment a power of two, found 0x30000");
  });
  it("2 MiB initrd with 4 MiB RAM (kernel footprint to 3 MiB) → PlacementError suggesting 5 MiB; 5 MiB works, 4 MiB is short", () => {
    const e = errorOf(() => loadBzImage("vmlinuz", makeBzImage(), { memBytes: 4 * MiB, initrd: initrd(2 * MiB) }));
    expect(e).toBeInstanceOf(PlacementError);
    expect(e.message).toBe("initrd.img: initrd of 2097152 bytes does not fit below 0x400000 above the kernel (ends 0x300000), give at least 5 MiB");
    expect(write(loadBzImage("vmlinuz", makeBzImage(), { memBytes: 5 * MiB, initrd: initrd(2 * MiB) }), "initrd").gpa).toBe(0x300000);
  });
  it("kernel whose init_size reaches past RAM → PlacementError naming the MiB needed", () => {
    expect(errorOf(() => loadBzImage("vmlinuz", makeBzImage({ initSize: 0x380000 }), { memBytes: 4 * MiB })).message)
      .toBe("vmlinuz: the kernel needs memory up to 0x480000 but RAM ends at 0x400000, give at least 5 MiB");
  });
  it("non-relocatable kernel decompresses at pref_address 16 MiB: 8 MiB RAM is too small", () => {
    expect(errorOf(() => loadBzImage("vmlinuz", makeBzImage({ relocatable: 0, prefAddress: 0x1000000 }), { memBytes: 8 * MiB })).message)
      .toBe("vmlinuz: the kernel needs memory up to 0x1200000 but RAM ends at 0x800000, give at least 18 MiB");
  });
  it("command line longer than cmdline_size 15 → refused", () => {
    expect(errorOf(() => loadBzImage("vmlinuz", makeBzImage({ cmdlineSize: 15 }), { memBytes: 8 * MiB, cmdline: "console=ttyS0 ro" })).message)
      .toBe("vmlinuz: command line of 16 bytes exceeds the kernel's cmdline_size 15");
  });
});
