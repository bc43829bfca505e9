// Expected values are worked by hand from the SDM Vol.3 tables (27-3 control-register access,
// 27-5 I/O instruction, 27-7 EPT violation; 24.8.3/24.9.2 interruption information).
import { describe, expect, it } from "vitest";
import {
  crCltsQualification, crLmswQualification, crMovQualification, crQualAccessType, crQualCr, crQualGpr, crQualLmswData,
  crQualLmswMemory, CR_ACCESS_LMSW, CR_ACCESS_MOV_FROM_CR, eptQualAccess, eptQualPermissions, eptViolationQualification,
  EPT_QUAL_GLA_TRANSLATION, EPT_QUAL_GLA_VALID, EPT_QUAL_WRITE, interruptionInfo, intrInfoHasErrorCode, intrInfoNmiUnblocking,
  intrInfoType, intrInfoValid, intrInfoVector, INTR_TYPE_EXT_INTR, INTR_TYPE_HARD_EXCEPTION, INTR_TYPE_NMI,
  INTR_TYPE_PRIV_SW_EXCEPTION, INTR_TYPE_SOFT_EXCEPTION, INTR_TYPE_SOFT_INTR, ioQualification, ioQualIsImmediate, ioQualIsIn,
  ioQualIsRep, ioQualIsString, ioQualPort, ioQualSize,
} from "../../src/vmx/exit-qualification.js";

describe("I/O-instruction qualification (Table 27-5)", () => {
  it("ee out dx,al to port 0x3f8 → 0x03f80000 (size 0, OUT, DX operand)", () => {
    expect(ioQualification(1, false, false, false, false, 0x3f8)).toBe(0x03f80000);
  });
  it("e5 71 in eax,0x71 → size 3, IN bit 3, immediate bit 6: 0x0071004b", () => {
    expect(ioQualification(4, true, false, false, true, 0x71)).toBe(0x0071004b);
  });
  it("f3 66 6d rep insw from port 0x1f0 → size 1, IN, string, REP: 0x01f00039", () => {
    expect(ioQualification(2, true, true, true, false, 0x1f0)).toBe(0x01f00039);
  });
  it("port 0xffff keeps bit 31 (qualification as unsigned 0xffff0000)", () => {
    expect(ioQualification(1, false, false, false, false, 0xffff) >>> 0).toBe(0xffff0000);
  });
  it("decoders invert 0x01f00039", () => {
    const q = 0x01f00039;
    expect([ioQualSize(q), ioQualIsIn(q), ioQualIsString(q), ioQualIsRep(q), ioQualIsImmediate(q), ioQualPort(q)])
      .toEqual([2, true, true, true, false, 0x1f0]);
  });
});

describe("control-register access qualification (Table 27-3)", () => {
  it("0f 22 d8 mov cr3,eax → CR 3, type 0, GPR 0: 0x3", () => {
    expect(crMovQualification(3, true, 0)).toBe(0x3);
  });
  it("0f 20 e1 mov ecx,cr4 → CR 4, type 1 (bits 5:4), GPR 1 (bits 11:8): 0x114", () => {
    expect(crMovQualification(4, false, 1)).toBe(0x114);
  });
  it("0f 06 clts → type 2: 0x20", () => {
    expect(crCltsQualification()).toBe(0x20);
  });
  it("lmsw [mem] with 0x0001 → type 3, bit 6 memory, data in 31:16: 0x00010070", () => {
    expect(crLmswQualification(1, true)).toBe(0x00010070);
  });
  it("decoders invert mov ecx,cr4 and lmsw", () => {
    const q = 0x114;
    expect([crQualCr(q), crQualAccessType(q), crQualGpr(q)]).toEqual([4, CR_ACCESS_MOV_FROM_CR, 1]);
    const l = 0x80010070 | 0;
    expect([crQualAccessType(l), crQualLmswMemory(l), crQualLmswData(l)]).toEqual([CR_ACCESS_LMSW, true, 0x8001]);
  });
});

describe("EPT-violation qualification (Table 27-7)", () => {
  it("write to a read+execute page through a linear address → bits 1, 3, 5, 7, 8: 0x1aa", () => {
    expect(eptViolationQualification(EPT_QUAL_WRITE, 0b101, EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_TRANSLATION)).toBe(0x1aa);
  });
  it("read of a not-present page, GLA invalid → 0x1", () => {
    expect(eptViolationQualification(1, 0, 0)).toBe(0x1);
  });
  it("decoders: access 0x1aa → 2, permissions → 5", () => {
    expect(eptQualAccess(0x1aa)).toBe(2);
    expect(eptQualPermissions(0x1aa)).toBe(5);
  });
});

describe("interruption information (24.8.3, 24.9.2)", () => {
  it("type constants: external 0, NMI 2, hardware exception 3, software interrupt 4, privileged sw exception 5, sw exception 6", () => {
    expect([INTR_TYPE_EXT_INTR, INTR_TYPE_NMI, INTR_TYPE_HARD_EXCEPTION, INTR_TYPE_SOFT_INTR, INTR_TYPE_PRIV_SW_EXCEPTION, INTR_TYPE_SOFT_EXCEPTION])
      .toEqual([0, 2, 3, 4, 5, 6]);
  });
  it("#PF (14) hardware exception with error code → 0x80000b0e", () => {
    expect(interruptionInfo(14, INTR_TYPE_HARD_EXCEPTION, true) >>> 0).toBe(0x80000b0e);
  });
  it("NMI with NMI unblocking due to IRET → 0x80001202", () => {
    expect(interruptionInfo(2, INTR_TYPE_NMI, false, true) >>> 0).toBe(0x80001202);
  });
  it("external interrupt vector 0x20 → 0x80000020; int3 (#BP, software exception) → 0x80000603", () => {
    expect(interruptionInfo(0x20, INTR_TYPE_EXT_INTR, false) >>> 0).toBe(0x80000020);
    expect(interruptionInfo(3, INTR_TYPE_SOFT_EXCEPTION, false) >>> 0).toBe(0x80000603);
  });
  it("decoders invert 0x80001b0d", () => {
    const i = 0x80001b0d | 0;
    expect([intrInfoVector(i), intrInfoType(i), intrInfoHasErrorCode(i), intrInfoNmiUnblocking(i), intrInfoValid(i)])
      .toEqual([13, 3, true, true, true]);
    expect(intrInfoValid(0x0b0e)).toBe(false);
  });
});
