import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, cpSync, mkdtempSync, openSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, reportError } from "../../src/cli/main.js";
import { ROOT } from "../helpers.js";

const BIN = join(ROOT, "bin/wafersim.js");
const env = { ...process.env, WAFERSIM_DEBUG: "" };
const lines = (s: string) => s.split("\n").filter((l) => l !== "");

/** Runs the CLI in-process, capturing what it writes. */
async function run(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

describe("process behaviour: output that cannot be written", () => {
  it("stdout on a full disk (> /dev/full): one line naming the problem, exit 1, no stack trace", () => {
    const full = openSync("/dev/full", "w");
    try {
      const r = spawnSync(process.execPath, [BIN, "predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm"], { cwd: ROOT, env, encoding: "utf8", stdio: ["ignore", full, "pipe"] });
      expect(r.status).toBe(1);
      expect(lines(r.stderr)).toEqual(["wafersim: cannot write the output: no space left on device (ENOSPC)"]);
    } finally {
      closeSync(full);
    }
  });

  it("a reader that goes away (| head) ends the run quietly with exit 0", () => {
    // 185 kB of JSON: more than a pipe holds, so the writer meets the closed pipe (EPIPE)
    const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" run model-size-1000tps --json | head -c 10 > /dev/null`], { cwd: ROOT, env, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("process behaviour: environment failures are reported as what they are", () => {
  it("calibrate --write on a read-only tree: one line naming the path and the OS problem, exit 1", () => {
    // A copy of the built tool whose files the running user cannot change: as root (which ignores
    // permissions) the run drops to user nobody; otherwise the copy is made read-only.
    const tree = mkdtempSync(join(tmpdir(), "wafersim-readonly-"));
    for (const part of ["bin", "dist", "models", "package.json", "README.md"]) cpSync(join(ROOT, part), join(tree, part), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
    chmodSync(tree, 0o755);
    const args = [join(tree, "bin/wafersim.js"), "calibrate", "--write"];
    let r;
    if (process.getuid?.() === 0) {
      const setpriv = spawnSync("setpriv", ["--version"]);
      if (setpriv.error) throw new Error("this test drops root with setpriv (util-linux), which is missing");
      r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, ...args], { cwd: tree, env, encoding: "utf8" });
    } else {
      const lock = (p: string) => { for (const f of readdirSync(p)) if (!statSync(join(p, f)).isDirectory()) chmodSync(join(p, f), 0o444); chmodSync(p, 0o555); };
      lock(join(tree, "models/params"));
      chmodSync(join(tree, "README.md"), 0o444);
      chmodSync(tree, 0o555);
      r = spawnSync(process.execPath, args, { cwd: tree, env, encoding: "utf8" });
    }
    expect(r.status).toBe(1);
    const err = lines(r.stderr);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(new RegExp(`^wafersim: ${tree.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/models/params/\\S+: cannot write there: permission denied \\(EACCES\\)$`));
    expect(r.stderr).not.toContain("internal error");
  });

  it.each([
    ["a full disk", () => writeFileSync("/dev/full", "x"), /^wafersim: cannot write: no space left on device \(ENOSPC\)$/],
    ["a missing folder", () => writeFileSync("/nonexistent-wafersim/x.yaml", "x"), /^wafersim: cannot open \/nonexistent-wafersim\/x\.yaml: no such file or directory \(ENOENT\)$/],
  ])("%s is exit 1 with one line, not 'internal error, please report it'", (_what, fail, message) => {
    let thrown: unknown;
    try { fail(); } catch (err) { thrown = err; }
    let err = "";
    expect(reportError(thrown, { out: () => undefined, err: (s) => { err += s; } })).toBe(1);
    expect(lines(err)).toHaveLength(1);
    expect(lines(err)[0]).toMatch(message);
  });

  it("the machine failing while an input is read is exit 1 naming the file, not bad input (EIO)", async () => {
    // /proc/self/mem is a regular file whose unmapped first page cannot be read
    const r = await run(["predict", "--model", "/proc/self/mem", "--hardware", "cerebras-wse3"]);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual(["wafersim: cannot read /proc/self/mem: i/o error (EIO)"]);
  });

  it("a bug is still an internal error, to report", () => {
    let err = "";
    expect(reportError(new TypeError("x is undefined"), { out: () => undefined, err: (s) => { err += s; } })).toBe(1);
    expect(err).toMatch(/^wafersim: internal error: x is undefined\n.*please report it/);
  });
});

describe("process behaviour: the CLI in-process (as the fuzz tests call it)", () => {
  it("writes through the given streams and returns the exit code", async () => {
    const ok = await run(["list", "hardware", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).length).toBeGreaterThan(0);
    const bad = await run(["predict", "--model", "nope", "--hardware", "nope2"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("");
    expect(lines(bad.err)[0]).toBe("wafersim: bad input");
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: wafersim");
  });
});

describe("flags that do not apply are refused, not ignored", () => {
  it.each([
    [["chart", "codex-spark", "--tolerance", "5"], ["--tolerance"]],
    [["chart", "codex-spark", "--metric", "decode.tokensPerSecondPerUser"], ["--metric"]],
    [["chart", "report", "--metric", "ttftSeconds", "--tolerance", "5"], ["--tolerance", "--metric"]],
    [["calibrate", "--json", "--markdown"], ["--markdown"]],
    [["solved", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--vs-chips", "8", "--vs-batch", "4"], ["--vs-chips", "--vs-batch"]],
  ])("%j: exit 2 naming every such flag, before any work", async (argv, flags) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(lines(r.err).slice(1).map((l) => l.trim().split(":")[0])).toEqual(flags);
    for (const l of lines(r.err).slice(1)) expect(l).toContain("does not apply to this call");
  });

  it("every rule names a flag its command declares (a renamed flag cannot leave a rule behind)", async () => {
    const { buildProgram } = await import("../../src/cli/main.js");
    const { FLAG_RULES } = await import("../../src/cli/options.js");
    const program = await buildProgram({ out: () => undefined, err: () => undefined });
    for (const rule of FLAG_RULES) {
      const cmd = program.commands.find((c) => c.name() === rule.command);
      expect(cmd, rule.command).toBeDefined();
      expect(cmd!.options.map((o) => o.long), `${rule.command} ${rule.flag}`).toContain(rule.flag);
    }
  });

  it.each([
    [["--spec-draft-tokens", "4", "--spec-acceptance", "0x1"], "--spec-acceptance: not a number from 0 to 1, got \"0x1\""],
    [["--spec-draft-tokens", "4", "--spec-acceptance", "0b1"], "--spec-acceptance: not a number from 0 to 1, got \"0b1\""],
    [["--chips", "1000000000"], "--chips: too large, got \"1000000000\", expected a whole number from 1 to 1,000,000 (MAX_CHIPS"],
    [["--prompt-tokens", "99999999999"], "--prompt-tokens: too large"],
  ])("predict %j is refused: %s", async (flags, message) => {
    const r = await run(["predict", "--model", "llama-3.1-8b", "--hardware", "nvidia-h100-sxm", ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});

describe("all problems at once, each blamed on the flag that gave it", () => {
  it("compare --hardware nope,nope2 names both (it named the first only)", async () => {
    const r = await run(["compare", "--model", "llama-3.1-8b", "--hardware", "nope,nvidia-h200,nope2,no/such.yaml"]);
    expect(r.code).toBe(2);
    expect(lines(r.err).slice(1).map((l) => l.trim().replace(/, expected .*/, ""))).toEqual([
      '--hardware: unknown hardware id, got "nope"',
      '--hardware: unknown hardware id, got "nope2"',
      '--hardware: file not found, got "no/such.yaml"',
    ]);
  });

  it("an unknown --vs-model is blamed on --vs-model, not --model", async () => {
    const r = await run(["solved", "--task", "swe-bench-pro", "--model", "codex-spark-proxy", "--hardware", "cerebras-wse3", "--accuracy", "0.5", "--vs-model", "nope", "--vs-hardware", "nvidia-h200", "--vs-accuracy", "0.5"]);
    expect(r.code).toBe(2);
    expect(lines(r.err)[1]).toMatch(/^ {2}--vs-model: unknown llm id, got "nope"/);
  });
});

describe("hostile inputs end at once with exit 2 and one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "wafersim-hostile-"));
  const fifo = join(dir, "pipe.yaml");
  execFileSync("mkfifo", [fifo]);
  const big = join(dir, "big.yaml");
  // 50 MB of YAML: it took 107 s and 3.7 GB
  writeFileSync(big, `title: ${"x".repeat(50_000_000)}\n`);

  it.each([
    [["run", "/dev/zero"], "/dev/zero: not a regular file but a character device"],
    [["predict", "--model", "/dev/urandom", "--hardware", "cerebras-wse3"], "/dev/urandom: not a regular file but a character device"],
    [["predict", "--model", "llama-3.1-8b", "--hardware", fifo], `${fifo}: not a regular file but a named pipe (FIFO)`],
    [["run", big], `${big}: too large, got 50,000,008 bytes`],
    [["session", "--task", "/dev/zero", "--model", "llama-3.1-8b", "--hardware", "cerebras-wse3"], "/dev/zero: not a regular file"],
    [["predict", "--model", "llama-3.1-8b", "--hardware", "cerebras-wse3", "--stack", "/dev/zero"], "/dev/zero: not a regular file"],
  ])("%j", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(lines(r.err)).toHaveLength(2);
    expect(lines(r.err)[1]).toContain(message);
  });

  it("the built CLI, as a user runs it: a FIFO with no writer does not block", async () => {
    // spawned, with a deadline: a reader blocked on the FIFO would never exit
    const child = spawn(process.execPath, [BIN, "run", fifo], { cwd: ROOT, env });
    let err = "";
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => { child.kill("SIGKILL"); resolve(null); }, 20_000);
      child.on("exit", (c) => { clearTimeout(timer); resolve(c); });
    });
    expect(code).toBe(2);
    expect(lines(err)[1]).toContain("not a regular file but a named pipe (FIFO)");
  });
});
