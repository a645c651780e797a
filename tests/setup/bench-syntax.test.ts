import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

/** Benchmarks are not run by npm test (they time things); this keeps them from rotting unseen. */
describe("bench scripts", () => {
  it.each(readdirSync(`${ROOT}bench`).filter((f) => f.endsWith(".js")))("bench/%s parses", (f) => {
    const r = spawnSync(process.execPath, ["--check", `${ROOT}bench/${f}`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
