import { it } from "vitest";
import { Rig, timerGuest, bundled } from "./snapshot-guests.js";
it("exp", () => {
  const r = new Rig(timerGuest({ divisor: 40, copyDwords: 20000, touchPages: 50, ticks: 20 }));
  const t = performance.now();
  const res = r.run(5_000_000);
  console.log(res.end, res.out, r.m.cpu.icount, r.m.time.idleNs, r.m.reports, performance.now() - t);
  const h = new Rig(bundled("hello")); console.log(h.run(1e7).end, h.m.cpu.icount);
}, 120000);
