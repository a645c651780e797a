import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { listIds } from "../../src/registry.js";
import { anyValue, numberText, runs } from "./harness.js";

/**
 * Command-line flags, generated: the CLI runs in-process (main() with its output captured, not
 * thousands of processes) and every run ends with exit 0 and output free of NaN and Infinity,
 * or exit 2 and one named line per problem. Exit 1 (an internal error) fails the property.
 */

const MAX_LINE = 1600;
const HANG_SECONDS = 10;

const ids = { model: listIds("llm"), hardware: listIds("hardware"), stack: listIds("stacks"), task: listIds("tasks") };
const text = fc.oneof(numberText, fc.string({ maxLength: 10 }), anyValue.map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? "")));
const id = (kind: keyof typeof ids) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ids[kind]) }, { weight: 1, arbitrary: fc.constantFrom("nope", "/dev/zero", "no/such.yaml", "/etc/passwd", "constructor", "") });
const small = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }).map(String) }, { weight: 2, arbitrary: numberText });

/** Optional flags and a value for each (a flag the command does not know is refused by commander). */
const PREDICT_FLAGS: Readonly<Record<string, fc.Arbitrary<string | undefined>>> = {
  "--chips": small, "--batch": small, "--prompt-tokens": fc.oneof(small, fc.constantFrom("1000000000", "1000000001", "131072")),
  "--output-tokens": small, "--spec-draft-tokens": small, "--spec-acceptance": fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }).map(String), numberText),
  "--precision": fc.constantFrom("bf16", "fp8", "fp4", "int4", "fp3"), "--software": fc.oneof(fc.constantFrom("tensorrt-llm", "cerebras-2024-08"), text),
  "--cores-per-layer": small, "--stack": id("stack"), "--json": fc.constant(undefined), "--tolerance": text, "--bogus": text,
};
const SESSION_FLAGS: Readonly<Record<string, fc.Arbitrary<string | undefined>>> = {
  "--chips": small, "--batch": small, "--stack": id("stack"), "--precision": fc.constantFrom("bf16", "fp8", "fp3"), "--json": fc.constant(undefined),
};
const SOLVED_FLAGS: Readonly<Record<string, fc.Arbitrary<string | undefined>>> = {
  ...SESSION_FLAGS, "--accuracy": fc.oneof(fc.constantFrom("0.5", "0.9", "0", "0x1", "1e-300"), numberText), "--vs-model": id("model"), "--vs-hardware": id("hardware"),
  "--vs-chips": small, "--vs-accuracy": fc.constantFrom("0.5", "0.25", "2"), "--backlog": fc.oneof(small, fc.constantFrom("1000000000", "1000000001")),
};

const flags = (table: Readonly<Record<string, fc.Arbitrary<string | undefined>>>, max: number) =>
  fc.subarray(Object.keys(table), { maxLength: max }).chain((keys) => fc.tuple(...keys.map((k) => table[k]!.map((v) => (v === undefined ? [k] : [k, v])))))
    .map((pairs) => pairs.flat());

const argv = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(id("model"), id("hardware"), flags(PREDICT_FLAGS, 4)).map(([m, h, f]) => ["predict", "--model", m, "--hardware", h, ...f]) },
  { weight: 2, arbitrary: fc.tuple(id("model"), fc.array(id("hardware"), { minLength: 1, maxLength: 3 }), flags(PREDICT_FLAGS, 3)).map(([m, hs, f]) => ["compare", "--model", m, "--hardware", hs.join(","), ...f]) },
  { weight: 1, arbitrary: fc.tuple(id("task"), id("model"), id("hardware"), flags(SESSION_FLAGS, 3)).map(([t, m, h, f]) => ["session", "--task", t, "--model", m, "--hardware", h, ...f]) },
  { weight: 1, arbitrary: fc.tuple(id("task"), id("model"), id("hardware"), flags(SOLVED_FLAGS, 4)).map(([t, m, h, f]) => ["solved", "--task", t, "--model", m, "--hardware", h, ...f]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("codex-spark-vs-gpus", "precision", "speculative", "nope", "/dev/zero"), fc.boolean()).map(([s, json]) => ["run", s, ...(json ? ["--json"] : [])]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("hardware", "models", "gpus"), fc.boolean()).map(([w, json]) => ["list", w, ...(json ? ["--json"] : [])]) },
);

describe("fuzz: command-line flags", () => {
  it("every generated command line ends in exit 0 with finite output, or exit 2 with named one-line problems", async () => {
    const codes = { 0: 0, 2: 0 };
    await fc.assert(fc.asyncProperty(argv, async (args) => {
      let out = "";
      let err = "";
      const start = performance.now();
      const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
      const seconds = (performance.now() - start) / 1000;
      const where = `wafersim ${args.map((a) => JSON.stringify(a)).join(" ")}`;
      if (seconds > HANG_SECONDS) throw new Error(`${where} took ${seconds.toFixed(1)} s`);
      if (code !== 0 && code !== 2) throw new Error(`${where} exited ${code}: ${err.slice(0, 500)}`);
      for (const line of err.split("\n")) if (line.length > MAX_LINE) throw new Error(`${where}: an error line of ${line.length} characters`);
      if (code === 2) {
        if (out !== "") throw new Error(`${where}: bad input, but output was written`);
        if (!/^(wafersim: bad input\n( {2}\S.*\n)+|error: .*\n)/.test(err)) throw new Error(`${where}: not one named line per problem: ${err.slice(0, 500)}`);
      } else {
        if (/\bNaN\b|Infinity/.test(out)) throw new Error(`${where}: NaN or Infinity in the output`);
        if (args.includes("--json")) JSON.parse(out);
      }
      codes[code]++;
    }), runs(250));
    // both ends are exercised
    expect(codes[0]).toBeGreaterThan(runs(250).numRuns / 10);
    expect(codes[2]).toBeGreaterThan(runs(250).numRuns / 10);
  });
});
