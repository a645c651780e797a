import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { loadHardware } from "../../src/hardware/load.js";
import { cachedDescription } from "../../src/io/cache.js";
import { tempFile } from "../helpers.js";

const gpu = (bandwidth: string) => `id: cache-test
name: Test
kind: gpu
vendor: Test
memory:
  kind: hbm
  capacity: {value: 80 GB, source: s}
  bandwidth: {value: ${bandwidth}, source: s}
compute:
  bf16: {value: 989 TFLOP/s, source: s}
interconnect:
  scaleUp: {name: nv, devices: {value: 8, source: s}, bandwidth: {value: 450 GB/s, source: s}}
  scaleOut: {name: ib, bandwidth: {value: 400 Gb/s, source: s}}
`;

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
