import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { loadHardware } from "../../src/hardware/load.js";
import { cacheEntry, cachedDescription, usableCacheDir } from "../../src/io/cache.js";
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

describe("description cache: only the user's own folder, only whole entries", () => {
  const fresh = () => join(mkdtempSync(join(tmpdir(), "wafersim-cachedir-")), "cache");

  it("creates its folder with mode 0700", () => {
    const d = fresh();
    expect(usableCacheDir(d)).toBe(true);
    expect(statSync(d).mode & 0o777).toBe(0o700);
  });

  it("skips a folder others may write or read, without changing it", () => {
    const d = fresh();
    mkdirSync(d, { mode: 0o755 });
    chmodSync(d, 0o777);
    expect(usableCacheDir(d)).toBe(false);
    expect(statSync(d).mode & 0o777).toBe(0o777);
  });

  it("skips a folder another user owns (the shared /tmp attack), and a symlink to one's own", () => {
    const other = fresh();
    mkdirSync(other, { mode: 0o700 });
    if (process.getuid?.() === 0) chownSync(other, 65534, 65534);
    // as root the folder now belongs to nobody; otherwise /tmp, owned by root, stands for it
    expect(usableCacheDir(process.getuid?.() === 0 ? other : tmpdir())).toBe(false);
    const mine = fresh();
    expect(usableCacheDir(mine)).toBe(true);
    const link = `${mine}-link`;
    symlinkSync(mine, link);
    expect(usableCacheDir(link)).toBe(false);
  });

  it("treats a truncated, corrupted or misplaced entry as a miss, and rebuilds it", () => {
    const f = tempFile("c.yaml", `n: ${Math.random()}`);
    let builds = 0;
    const build = (text: string) => ({ text, builds: ++builds });
    const first = cachedDescription(f, "test", build);
    const entry = cacheEntry(f, "test", readFileSync(f, "utf8"));
    expect(entry).not.toBeNull();
    const good = readFileSync(entry!.path, "utf8");
    const damaged = [
      good.slice(0, good.length - 5), // cut off mid-write
      "{", // not an entry at all
      good.replace(/"builds":1/, '"builds":7'), // content changed, hash not
      "", // empty
    ];
    for (const text of damaged) {
      writeFileSync(entry!.path, text);
      const again = cachedDescription(f, "test", build);
      expect(again.text).toBe(first.text);
      expect(again.builds).toBe(builds); // rebuilt, not read from the damaged entry
    }
    expect(builds).toBe(1 + damaged.length);
    // an entry moved to another key's name is a miss too
    const g = tempFile("d.yaml", `n: ${Math.random()}`);
    const other = cacheEntry(g, "test", readFileSync(g, "utf8"))!;
    writeFileSync(other.path, readFileSync(entry!.path));
    expect(cachedDescription(g, "test", build).text).toBe(readFileSync(g, "utf8"));
  });
});
