import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, linkSync, writeFileSync, closeSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeAtomic } from "../../src/calibration/write.js";
import { tempPathFor } from "../../src/io/write.js";
import { cli, ROOT } from "../helpers.js";

// Issue 13, "Outputs never replace what they should not". These run the built CLI (dist/).
const d = mkdtempSync(join(tmpdir(), "wafersim-outputs-"));
const small = join(d, "small.yaml");
writeFileSync(small, "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: [1, 2, 4]\n  promptTokens: [1024, 4096]\n");
const expectedCsv = (() => {
  const r = cli(["sweep", small]);
  expect(r.code).toBe(0);
  return r.stdout;
})();

function fresh(): string {
  return mkdtempSync(join(d, "case-"));
}

/** A sweep of 2 million points: a few seconds on one worker, long enough to be stopped mid-way. */
function bigScenario(dir: string): string {
  const f = join(dir, "big.yaml");
  writeFileSync(f, "model: llama-3.1-8b\nhardware: cerebras-wse3\nsweep:\n  batch: {from: 1, to: 2000, steps: 2000}\n  promptTokens: {from: 1024, to: 32768, steps: 1000, scale: log}\n");
  return f;
}

function startSweep(args: readonly string[]) {
  const child = spawn(process.execPath, [join(ROOT, "bin/wafersim.js"), ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on("exit", (code, signal) => res({ code, signal })));
  return { child, exit, stderr: () => stderr };
}

async function waitFor(test: () => boolean, ms = 30_000): Promise<void> {
  const t = Date.now();
  while (!test()) {
    if (Date.now() - t > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const partials = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".partial"));

describe("sweep --out onto devices and pipes: written straight, never replaced", () => {
  it("a character device (mknod, then the real /dev/null) stays a device and takes the bytes", () => {
    // A private copy of /dev/null (major 1, minor 3) first: under the old write-then-rename it
    // would have become a regular file here, not in /dev. (Needs root, as the project's CI has.)
    const dir = fresh();
    const dev = join(dir, "null");
    expect(spawnSync("mknod", [dev, "c", "1", "3"]).status).toBe(0);
    let r = cli(["sweep", small, "--out", dev]);
    expect(r.code).toBe(0);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    expect(partials(dir)).toEqual([]);
    r = cli(["sweep", small, "--out", "/dev/null"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("/dev/full: exit 1 with one line naming ENOSPC, no stack trace; it stays a device", () => {
    const r = cli(["sweep", small, "--out", "/dev/full"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("wafersim: --out /dev/full: cannot write: no space left on the device (ENOSPC)\n");
    expect(statSync("/dev/full").isCharacterDevice()).toBe(true);
  });

  it("stdout redirected to /dev/full (sweep and merge): exit 1 with one line, no stack trace", () => {
    const full = openSync("/dev/full", "w");
    for (const args of [["sweep", small], ["merge", ...[1, 2].map((k) => {
      const f = join(fresh(), `p${k}.csv`);
      expect(cli(["sweep", small, "--shard", `${k}/2`, "--out", f]).code).toBe(0);
      return f;
    })]]) {
      const r = spawnSync(process.execPath, [join(ROOT, "bin/wafersim.js"), ...args], { stdio: ["ignore", full, "pipe"], encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("wafersim: stdout: cannot write: no space left on the device (ENOSPC)\n");
    }
    closeSync(full);
  });

  it("a FIFO: the reader gets exactly what a file would hold, and the FIFO stays a FIFO", async () => {
    const dir = fresh();
    const fifo = join(dir, "pipe");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const got = join(dir, "got.csv");
    const fd = openSync(got, "w");
    const reader = spawn("cat", [fifo], { stdio: ["ignore", fd, "inherit"] });
    const done = new Promise((res) => reader.on("exit", res));
    const r = startSweep(["sweep", small, "--out", fifo]);
    expect((await r.exit).code).toBe(0);
    await done;
    closeSync(fd);
    expect(readFileSync(got, "utf8")).toBe(expectedCsv);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(partials(dir)).toEqual([]);
  });
});

describe("a failure in a worker", () => {
  it("exits 2 with the problem, ends the workers (no hang) and leaves nothing behind", () => {
    const dir = fresh();
    const bad = join(dir, "bad.yaml");
    // hopLatency is a wafer parameter: the deployments fail in the workers as in the parent
    writeFileSync(bad, "model: llama-3.1-8b\nhardware: nvidia-h100-sxm\nsweep:\n  parameters.hopLatency: {from: 1 ns, to: 2 ns, steps: 5000}\n  batch: {from: 1, to: 64, steps: 64}\n");
    const r = cli(["sweep", bad, "--out", join(dir, "out.csv"), "--workers", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/parameters.hopLatency: not a parameter of gpu hardware/);
    expect(readdirSync(dir)).toEqual(["bad.yaml"]);
  });
});

describe("symbolic links are followed to what exists, never replaced, never to nothing", () => {
  it("a link to a file: the file gets the output, the link stays a link", () => {
    const dir = fresh();
    writeFileSync(join(dir, "target.csv"), "old");
    symlinkSync("target.csv", join(dir, "link.csv"));
    expect(cli(["sweep", small, "--out", join(dir, "link.csv")]).code).toBe(0);
    expect(lstatSync(join(dir, "link.csv")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "target.csv"), "utf8")).toBe(expectedCsv);
  });

  it("a link to nothing is refused (exit 2), and nothing is created", () => {
    const dir = fresh();
    symlinkSync("nowhere.csv", join(dir, "dangling.csv"));
    const r = cli(["sweep", small, "--out", join(dir, "dangling.csv")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--out: a symbolic link to nothing");
    expect(readdirSync(dir)).toEqual(["dangling.csv"]);
  });
});

describe("--out that is an input is refused before any work", () => {
  it("the scenario itself, a hard link to it, or a symbolic link to it: exit 2, the scenario unchanged", () => {
    const dir = fresh();
    const sc = join(dir, "x.yaml");
    const text = readFileSync(small, "utf8");
    writeFileSync(sc, text);
    linkSync(sc, join(dir, "hard.yaml"));
    symlinkSync("x.yaml", join(dir, "soft.yaml"));
    for (const out of [sc, join(dir, "hard.yaml"), join(dir, "soft.yaml")]) {
      const r = cli(["sweep", sc, "--out", out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--out: is an input of this command (${JSON.stringify(sc)})`);
      expect(readFileSync(sc, "utf8")).toBe(text);
    }
  });

  it("a file the scenario extends is an input too", () => {
    const dir = fresh();
    const base = join(dir, "base.yaml");
    writeFileSync(base, "model: llama-3.1-8b\nhardware: cerebras-wse3\n");
    const child = join(dir, "child.yaml");
    writeFileSync(child, "extends: base.yaml\nsweep:\n  batch: [1, 2]\n");
    const r = cli(["sweep", child, "--out", base]);
    expect(r.code).toBe(2);
    expect(readFileSync(base, "utf8")).toBe("model: llama-3.1-8b\nhardware: cerebras-wse3\n");
  });

  it("merge --out onto one of its shards is refused", () => {
    const dir = fresh();
    const parts = [1, 2].map((k) => {
      const f = join(dir, `p${k}.csv`);
      expect(cli(["sweep", small, "--shard", `${k}/2`, "--out", f]).code).toBe(0);
      return f;
    });
    const before = readFileSync(parts[0]!, "utf8");
    const r = cli(["merge", ...parts, "--out", parts[0]!]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--out: is an input of this command");
    expect(readFileSync(parts[0]!, "utf8")).toBe(before);
  });
});

describe("temporary files: none left by a stopped sweep, stale ones removed by the next run", () => {
  /** Starts a big sweep to dir/out.csv and sends it `signal` once its temporary exists. */
  async function stopMidSweep(signal: NodeJS.Signals) {
    const dir = fresh();
    const out = join(dir, "out.csv");
    const run = startSweep(["sweep", bigScenario(dir), "--out", out, "--workers", "1"]);
    await waitFor(() => partials(dir).length > 0);
    run.child.kill(signal);
    return { dir, out, pid: run.child.pid!, exit: await run.exit };
  }

  it("SIGTERM mid-sweep: exit 143, no output, no .partial", async () => {
    const { dir, exit } = await stopMidSweep("SIGTERM");
    expect(exit.code).toBe(143);
    expect(readdirSync(dir)).toEqual(["big.yaml"]);
  });

  it("SIGKILL mid-sweep leaves its .partial; the next sweep to that path removes it", async () => {
    const { dir, out, pid } = await stopMidSweep("SIGKILL");
    const left = partials(dir);
    expect(left).toEqual([`.out.csv.${pid}@${hostname().replace(/[^A-Za-z0-9.-]/g, "_")}.partial`]);
    // A live process's temporary (this test's) and another machine's are not touched.
    const live = tempPathFor(out);
    writeFileSync(live, "mine");
    writeFileSync(join(dir, `.out.csv.${pid}@another-host.partial`), "theirs");
    expect(cli(["sweep", small, "--out", out]).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(expectedCsv);
    expect(partials(dir).sort()).toEqual([live.slice(dir.length + 1), `.out.csv.${pid}@another-host.partial`].sort());
  });
});

describe("every command writes through the same writer", () => {
  it("chart --out: a chart file that is a link keeps the link; the linked file gets the chart", () => {
    const dir = fresh();
    const charts = join(dir, "charts");
    expect(spawnSync("mkdir", [charts]).status).toBe(0);
    writeFileSync(join(dir, "kept.svg"), "old");
    const name = "context-8k-128k-sweep-ttftSeconds.svg";
    symlinkSync(join(dir, "kept.svg"), join(charts, name));
    const r = cli(["chart", "context-8k-128k", "--format", "svg", "--out", charts]);
    expect(r.code).toBe(0);
    expect(lstatSync(join(charts, name)).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "kept.svg"), "utf8")).toMatch(/^<\?xml|^<svg/);
  });

  it("calibrate --write's writer keeps a parameter file's mode and a link's target", () => {
    const dir = fresh();
    const file = join(dir, "set.yaml");
    writeFileSync(file, "old\n");
    chmodSync(file, 0o640);
    writeAtomic(file, "new\n");
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readFileSync(file, "utf8")).toBe("new\n");
    symlinkSync("set.yaml", join(dir, "link.yaml"));
    writeAtomic(join(dir, "link.yaml"), "newer\n");
    expect(lstatSync(join(dir, "link.yaml")).isSymbolicLink()).toBe(true);
    expect(readFileSync(file, "utf8")).toBe("newer\n");
    expect(partials(dir)).toEqual([]);
    expect(existsSync(join(dir, "set.yaml.tmp-" + process.pid))).toBe(false);
  });
});
