// 80286 real-mode conformance: the SingleStepTests vectors in ../shared/conformance/sst-80286-real
// (100 per opcode file, captured on a real 80286), run through the emulator in real mode
// (runner and the README-documented exclusions and masks: sst286.ts).
//
// Known failures: sst286-known-failures.json maps test hash → "file name: reason" (a 286-vs-386+
// difference the data shows, or the first difference found: see classify() in sst286.ts).
// A failing vector must be listed there, and a listed vector that passes fails the test: the
// list only shrinks as implementations land. Regenerate it with X86RR_SST_UPDATE=1 (read here,
// in test code only) after checking the new failures are genuine.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { classify, exclusion, loadSstFile, runSst, sstFiles } from "./sst286.js";

const here = dirname(fileURLToPath(import.meta.url));
const KNOWN_PATH = join(here, "sst286-known-failures.json");
const UPDATE = process.env.X86RR_SST_UPDATE === "1";
const known: Record<string, string> = existsSync(KNOWN_PATH) ? JSON.parse(readFileSync(KNOWN_PATH, "utf8")) : {};
const found: Record<string, string> = {};
const excluded = new Map<string, number>();
const rows: string[] = [];
let total = 0, passed = 0, failedKnown = 0;

describe("SingleStepTests 80286 real mode", () => {
  const files = sstFiles();
  it("the data set is present with its 325 opcode files", () => {
    expect(files.length).toBe(325);
  });
  for (const file of files) {
    it(`${file.replace(".json.gz", "")}: each vector's registers, flags (masked) and memory match the 80286 capture`, () => {
      let pass = 0, run = 0;
      const unexpected: string[] = [], fixed: string[] = [];
      for (const t of loadSstFile(file)) {
        const ex = exclusion(t);
        if (ex) { excluded.set(ex, (excluded.get(ex) ?? 0) + 1); continue; }
        run++;
        const d = runSst(t);
        if (d.length === 0) {
          pass++;
          if (known[t.hash]) fixed.push(`${t.hash} ${t.name}: now passes, remove it from sst286-known-failures.json`);
          continue;
        }
        const why = `${file.replace(".json.gz", "")} ${t.name}: ${classify(t, d)}`;
        found[t.hash] = why;
        if (known[t.hash]) failedKnown++;
        else unexpected.push(`${t.hash} #${t.idx} ${t.name} [${t.bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")}]\n    ${d.join("\n    ")}`);
      }
      total += run; passed += pass;
      rows.push(`${file.replace(".json.gz", "").padEnd(6)} ${String(pass).padStart(3)}/${String(run).padEnd(3)}`);
      if (UPDATE) return;
      expect(fixed.join("\n")).toBe("");
      expect(unexpected.slice(0, 5).join("\n")).toBe("");
    });
  }
  afterAll(() => {
    console.log(`[sst286] pass rate per opcode file (passed/compared):\n${rows.join("\n")}`);
    console.log(`[sst286] ${passed}/${total} compared vectors pass; ${failedKnown} listed known failures; excluded: ${[...excluded].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
    if (UPDATE) {
      writeFileSync(KNOWN_PATH, JSON.stringify(Object.fromEntries(Object.keys(found).sort().map((k) => [k, found[k]])), null, 1) + "\n");
      console.log(`[sst286] wrote ${Object.keys(found).length} known failures to ${KNOWN_PATH}`);
    }
  });
});
