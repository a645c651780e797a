import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, type Issue } from "../src/errors.js";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Writes `text` to a fresh temporary file and returns its path. */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "wafersim-test-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Runs the built CLI (dist/, built by npm test's set-up) as a user would. */
export function cli(args: readonly string[], opts: { cwd?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/wafersim.js"), ...args], { cwd: opts.cwd ?? ROOT, encoding: "utf8", env: { ...process.env, WAFERSIM_DEBUG: "" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The issues of the InputError `fn` throws (fails the test when it throws nothing or another error). */
export function issuesOf(fn: () => unknown): readonly Issue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.issues;
    throw err;
  }
  throw new Error("expected an InputError");
}

/** As issuesOf, for functions that may return a promise. */
export async function issuesOfAsync(fn: () => unknown): Promise<readonly Issue[]> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof InputError) return err.issues;
    throw err;
  }
  throw new Error("expected an InputError");
}

/** A minimal valid GPU description with the given HBM bandwidth text (for error and cache tests). */
export function gpuYaml(bandwidth: string): string {
  return `id: test-gpu
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
}
