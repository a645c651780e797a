import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { loadHardware } from "../../src/hardware/load.js";
import { cachedDescription } from "../../src/io/cache.js";
import { gpuYaml, tempFile } from "../helpers.js";

const gpu = gpuYaml;

describe("description cache", () => {
  it("returns the same validated description on a second read without rebuilding it", () => {
    const f = tempFile("c.yaml", `n: ${Math.random()}`);
    let builds = 0;
    const build = (text: string) => ({ text, builds: ++builds });
    const a = cachedDescription(f, "test", build);
    const b = cachedDescription(f, "test", build);
    expect(b).toEqual(a);
    expect(builds).toBe(1);
  });

  it("misses when the file changes, and never hides an error", () => {
    const f = tempFile("hw.yaml", gpu("3.35 TB/s"));
    expect(loadHardware(f).memory.bandwidth.value).toBe(3.35e12);
    writeFileSync(f, gpu("4.8 TB/s"));
    expect(loadHardware(f).memory.bandwidth.value).toBe(4.8e12);
    writeFileSync(f, gpu("4.8 TB"));
    expect(() => loadHardware(f)).toThrow(InputError);
    writeFileSync(f, gpu("3.35 TB/s"));
    expect(loadHardware(f).memory.bandwidth.value).toBe(3.35e12);
  });
});
