import { describe, expect, it } from "vitest";
import { encIndex, encType, encWidth, F, FieldType, FieldWidth, VMCS, VMCS_FIELDS, VMCS_HIGHEST_INDEX } from "../../src/vmx/vmcs-fields.js";
import {
  LAUNCH_CLEAR, LAUNCH_LAUNCHED, Vmcs, VMCS_IMAGE_SIZE, VMCS_REGION_SIZE, VmcsStateError, vmcsFieldIndex,
  VMXERR_UNSUPPORTED_VMCS_COMPONENT, VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT,
} from "../../src/vmx/vmcs.js";

describe("VMCS field table (SDM Vol.3 Appendix B)", () => {
  it("every row's declared width and type agree with encoding bits 14:13 and 11:10; bits 31:15, 12 and 0 are 0", () => {
    for (const d of VMCS_FIELDS) {
      expect(encWidth(d.enc), d.name).toBe(d.width);
      expect(encType(d.enc), d.name).toBe(d.type);
      expect(d.enc >>> 15, d.name).toBe(0);
      expect(d.enc & (1 << 12), d.name).toBe(0);
      expect(d.enc & 1, d.name).toBe(0);
    }
  });

  it("names follow the type bits: exit-info fields are the read-only data group, GUEST_/HOST_ prefixes match types 2/3", () => {
    for (const d of VMCS_FIELDS) {
      if (d.name.startsWith("HOST_")) expect(d.type, d.name).toBe(FieldType.HOST);
      if (d.name.startsWith("GUEST_") && d.name !== "GUEST_PHYSICAL_ADDRESS" && d.name !== "GUEST_LINEAR_ADDRESS") expect(d.type, d.name).toBe(FieldType.GUEST);
    }
  });

  it("encodings and names are unique", () => {
    expect(new Set(VMCS_FIELDS.map((d) => d.enc)).size).toBe(VMCS_FIELDS.length);
    expect(new Set(VMCS_FIELDS.map((d) => d.name)).size).toBe(VMCS_FIELDS.length);
  });

  it("indexes within each (width, type) group run 0,1,2.. as Appendix B lists them, except the SDM's known gaps", () => {
    // Gaps the SDM has and this table skips: 64-bit control 0x200c (executive-VMCS pointer) and
    // 0x200e (PML address), 0x2016/0x2018 (posted-interrupt descriptor, VM-function controls);
    // 64-bit guest 0x2808 (IA32_PERF_GLOBAL_CTRL); 32-bit guest 0x482c (not defined in Appendix B).
    const gaps = new Set([0x200c, 0x200e, 0x2016, 0x2018, 0x2808, 0x482c]);
    const groups = new Map<number, number[]>();
    for (const d of VMCS_FIELDS) {
      const k = d.enc & 0x7c00;
      groups.set(k, [...(groups.get(k) ?? []), d.enc]);
    }
    for (const [k, encs] of groups) {
      const last = Math.max(...encs);
      for (let e = k; e <= last; e += 2) {
        if (!encs.includes(e) && !gaps.has(e)) throw new Error(`missing encoding 0x${e.toString(16)} in group 0x${k.toString(16)}`);
      }
    }
  });

  it("SDM Appendix B values: GUEST_RIP 681EH, EPT_POINTER 201AH, VM_EXIT_REASON 4402H, EXIT_QUALIFICATION 6400H, HOST_RIP 6C16H, GUEST_INTERRUPTIBILITY 4824H", () => {
    expect(VMCS.GUEST_RIP).toBe(0x681e);
    expect(VMCS.EPT_POINTER).toBe(0x201a);
    expect(VMCS.VM_EXIT_REASON).toBe(0x4402);
    expect(VMCS.EXIT_QUALIFICATION).toBe(0x6400);
    expect(VMCS.HOST_RIP).toBe(0x6c16);
    expect(VMCS.GUEST_INTERRUPTIBILITY_INFO).toBe(0x4824);
    expect(VMCS.GUEST_PHYSICAL_ADDRESS).toBe(0x2400);
    expect(VMCS.VMCS_LINK_POINTER).toBe(0x2800);
    expect(VMCS.SECONDARY_VM_EXEC_CONTROL).toBe(0x401e);
  });

  it("const enum F agrees with the table for every field", () => {
    const fRuntime = F as unknown as Record<string, number>;
    for (const d of VMCS_FIELDS) expect(fRuntime[d.name], d.name).toBe(d.enc);
  });

  it("highest index (IA32_VMX_VMCS_ENUM bits 9:1) is the preemption-timer field's 17H (encoding 482EH)", () => {
    expect(VMCS_HIGHEST_INDEX).toBe(0x17);
    expect(encIndex(0x482e)).toBe(0x17);
  });
});

describe("Vmcs VMREAD/VMWRITE (SDM Vol.3 24.11.2, Vol.2 VMREAD/VMWRITE)", () => {
  it("32-bit field: write 0x12345678 to GUEST_CS_LIMIT (4802H) → read 0x12345678", () => {
    const v = new Vmcs(1);
    expect(v.write(0x4802, 0x12345678)).toBe(0);
    expect(v.read(0x4802)).toBe(0);
    expect(v.value).toBe(0x12345678);
  });

  it("16-bit field: write 0xdead0010 to GUEST_CS_SELECTOR (0802H) → bits 15:0 kept: 0x0010", () => {
    const v = new Vmcs(1);
    expect(v.write(0x0802, 0xdead0010 | 0)).toBe(0);
    v.read(0x0802);
    expect(v.value).toBe(0x10);
  });

  it("64-bit field: full write clears bits 63:32, high-access encoding (bit 0 = 1) reads/writes them", () => {
    const v = new Vmcs(1);
    expect(v.write(0x2000 | 1, 0xaaaa)).toBe(0); // IO_BITMAP_A high
    v.read(0x2001); expect(v.value).toBe(0xaaaa);
    expect(v.write(0x2000, 0x5000)).toBe(0);
    v.read(0x2001); expect(v.value).toBe(0);
    v.read(0x2000); expect(v.value).toBe(0x5000);
    expect(v.write(0x2001, 7)).toBe(0);
    v.read(0x2000); expect(v.value).toBe(0x5000);
    expect(v.getHigh(0x2000)).toBe(7);
  });

  it("unsupported encodings → error 12: unknown index, access type 1 on a 32-bit field, bit 12 set, bits above 14", () => {
    const v = new Vmcs(1);
    for (const enc of [0x4030, 0x4803, 0x5802, 0x10000 | 0x4802, -1, 0x0002 /* posted-intr vector: not supported */]) {
      expect(v.read(enc), enc.toString(16)).toBe(VMXERR_UNSUPPORTED_VMCS_COMPONENT);
      expect(v.write(enc, 1), enc.toString(16)).toBe(VMXERR_UNSUPPORTED_VMCS_COMPONENT);
    }
    expect(VMXERR_UNSUPPORTED_VMCS_COMPONENT).toBe(12);
  });

  it("VMWRITE to read-only exit-information fields → error 13; VMREAD works; the processor-side set() writes them", () => {
    const v = new Vmcs(1);
    for (const d of VMCS_FIELDS.filter((x) => x.type === FieldType.EXIT_INFO)) {
      expect(v.write(d.enc, 5), d.name).toBe(VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT);
    }
    expect(v.write(0x2401, 5)).toBe(13); // high half of GUEST_PHYSICAL_ADDRESS is read-only too
    v.set(0x4402, 30);
    expect(v.read(0x4402)).toBe(0);
    expect(v.value).toBe(30);
  });

  it("get()/set() on an unknown encoding is an emulator bug (throws), not a VMX error", () => {
    const v = new Vmcs(1);
    expect(() => v.get(0x4030)).toThrow(/internal error/);
    expect(() => v.set(0x2001, 1)).toThrow(/internal error/);
  });

  it("vmcsFieldIndex maps full and high encodings of a 64-bit field to its row", () => {
    const i = vmcsFieldIndex(0x201a);
    expect(VMCS_FIELDS[i].name).toBe("EPT_POINTER");
    expect(vmcsFieldIndex(0x201b)).toBe(i);
    expect(vmcsFieldIndex(0x201c)).toBe(-1);
  });
});

describe("Vmcs state: launch, save/restore, region image", () => {
  function filled(): Vmcs {
    const v = new Vmcs(0x7872);
    VMCS_FIELDS.forEach((d, i) => v.set(d.enc, (0x1000 + i * 0x01010101) | 0, d.width === FieldWidth.W64 ? i + 1 : 0));
    v.launch = LAUNCH_LAUNCHED;
    v.abort = 3;
    return v;
  }

  it("save() names every field; restore() reproduces every VMREAD value", () => {
    const a = filled();
    const s = JSON.parse(JSON.stringify(a.save()));
    expect(s.fields.GUEST_RIP).toBe(a.get(0x681e));
    expect(s.fields.EPT_POINTER).toEqual([a.get(0x201a), a.getHigh(0x201a)]);
    const b = new Vmcs(0);
    b.restore(s);
    for (const d of VMCS_FIELDS) {
      a.read(d.enc); const x = a.value;
      b.read(d.enc); expect(b.value, d.name).toBe(x);
    }
    expect(b.launch).toBe(LAUNCH_LAUNCHED);
    expect(b.revisionId).toBe(0x7872);
    expect(b.abort).toBe(3);
  });

  it("restore() of an unknown field name or a 64-bit field given as a number → VmcsStateError", () => {
    const b = new Vmcs(0);
    expect(() => b.restore({ revisionId: 1, abort: 0, launched: false, fields: { NOPE: 1 } })).toThrow(VmcsStateError);
    expect(() => b.restore({ revisionId: 1, abort: 0, launched: false, fields: { EPT_POINTER: 1 } })).toThrow(VmcsStateError);
  });

  it("region image: revision id at +0, abort indicator at +4 (SDM 24.2), fits a 4 KiB region, round-trips", () => {
    expect(VMCS_IMAGE_SIZE).toBeLessThanOrEqual(VMCS_REGION_SIZE);
    const a = filled();
    const buf = new DataView(new ArrayBuffer(0x3000));
    a.serialize(buf, 0x1000);
    expect(buf.getUint32(0x1000, true)).toBe(0x7872);
    expect(buf.getUint32(0x1004, true)).toBe(3);
    const b = new Vmcs(0);
    expect(b.deserialize(buf, 0x1000)).toBe(true);
    expect(b.save()).toEqual(a.save());
  });

  it("deserialize of a region never written by serialize (no layout tag) → false, VMCS unchanged", () => {
    const b = new Vmcs(9);
    b.set(0x681e, 0x1234);
    const buf = new DataView(new ArrayBuffer(4096));
    buf.setUint32(0, 9, true);
    expect(b.deserialize(buf, 0)).toBe(false);
    expect(b.get(0x681e)).toBe(0x1234);
  });

  it("clear() (VMCLEAR) sets launch state clear and keeps the fields", () => {
    const a = filled();
    a.clear();
    expect(a.launch).toBe(LAUNCH_CLEAR);
    expect(a.get(0x681e)).not.toBe(0);
  });
});
