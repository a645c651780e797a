import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
