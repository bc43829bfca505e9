// Determinism is the product: nothing outside the recorded-input boundary may read the host
// clock, randomness, the environment variables or host files. The boundary is src/cli (the
// outside world itself) and src/replay (the Environment and the trace files it writes/reads).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const ALLOWED = [/^src\/cli\//, /^src\/replay\//];
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, "Date.now()"],
  [/\bnew Date\s*\(/, "new Date()"],
  [/\bperformance\.now\s*\(/, "performance.now()"],
  [/\bprocess\.hrtime\b/, "process.hrtime"],
  [/\bMath\.random\s*\(/, "Math.random()"],
  [/\bprocess\.env\b/, "process.env"],
  [/\bcrypto\.(random|getRandom)\w*/, "crypto randomness"],
  [/\b(randomBytes|randomUUID|randomInt)\s*\(/, "crypto randomness"],
  [/from\s+"node:(fs|fs\/promises|net|dgram|child_process|os|readline|tty)"/, "host I/O module"],
  [/\bprocess\.(stdin|stdout|stderr|argv)\b/, "process I/O"],
];

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Source text with comments and string contents blanked, so prose mentioning Date.now is not a hit. */
function codeOnly(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " "))
    .replace(/\/\/[^\n]*/g, "")
    .replace(/`(?:\\.|[^`\\])*`|'(?:\\.|[^'\\])*'/g, (m) => m[0] + " ".repeat(m.length - 2) + m[0]);
}

describe("determinism boundary", () => {
  it("no file under src/ outside src/cli and src/replay reads the host clock, randomness, env vars or host I/O", () => {
    const hits: string[] = [];
    for (const f of walk(join(root, "src"), [])) {
      const rel = relative(root, f).replace(/\\/g, "/");
      if (ALLOWED.some((a) => a.test(rel))) continue;
      const lines = codeOnly(readFileSync(f, "utf8")).split("\n");
      lines.forEach((line, i) => {
        for (const [re, what] of FORBIDDEN) if (re.test(line)) hits.push(`${rel}:${i + 1}: ${what}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it("the scanner itself finds a planted Date.now() and ignores one in a comment", () => {
    expect(codeOnly("const t = Date.now();")).toMatch(/Date\.now\s*\(/);
    expect(codeOnly("// Date.now() is forbidden")).not.toMatch(/Date\.now/);
  });
});
