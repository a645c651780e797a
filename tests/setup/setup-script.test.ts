import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

/**
 * scripts/setup.sh in a scratch copy of the repository, with fake dpkg-query / id / apt-get on
 * PATH, so both branches (install what is missing; say what to run when it cannot) are exercised
 * without touching this machine's packages.
 */
function scratch(fakes: Record<string, string>): { dir: string; run: () => { code: number; stderr: string } } {
  const dir = mkdtempSync(join(tmpdir(), "wafersim-setup-"));
  mkdirSync(join(dir, "scripts"));
  copyFileSync(join(ROOT, "scripts/setup.sh"), join(dir, "scripts/setup.sh"));
  const bin = join(dir, "fakebin");
  mkdirSync(bin);
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return {
    dir,
    run: () => {
      const r = spawnSync("bash", [join(dir, "scripts/setup.sh")], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}` } });
      return { code: r.status ?? -1, stderr: r.stderr };
    },
  };
}

describe("scripts/setup.sh", () => {
  it("installs the missing Debian packages canvas needs, and says so", () => {
    const s = scratch({
      "dpkg-query": `case "$3" in libcairo2-dev|libgif-dev) exit 1;; *) printf 'install ok installed';; esac`,
      id: `echo 0`,
      "apt-get": `echo "$@" >> "$(dirname "$0")/apt.log"`,
    });
    const r = s.run();
    expect(r.stderr).toMatch(/installing Debian packages needed to build canvas: libcairo2-dev libgif-dev/);
    const log = readFileSync(join(s.dir, "fakebin/apt.log"), "utf8");
    expect(log).toMatch(/install -y .*libcairo2-dev libgif-dev/);
    expect(log).not.toMatch(/libpango1.0-dev/);
  });

  it("skips packages that are present", () => {
    const s = scratch({ "dpkg-query": `printf 'install ok installed'`, id: `echo 0`, "apt-get": `echo "$@" >> "$(dirname "$0")/apt.log"` });
    const r = s.run();
    expect(r.stderr).not.toMatch(/installing Debian packages/);
    expect(existsSync(join(s.dir, "fakebin/apt.log"))).toBe(false);
  });

  it("without root, says exactly what to run and stops", () => {
    const s = scratch({ "dpkg-query": `case "$3" in librsvg2-dev) exit 1;; *) printf 'install ok installed';; esac`, id: `echo 1000` });
    const r = s.run();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/run as root:\s+apt-get update && apt-get install -y librsvg2-dev/);
  });
});
