// Every `npx wafersim ...` command in README.md: each one parses against the CLI as built here
// (commands, options, choices and value checks), and those of the commands this folder's tests
// own run as written, from an empty folder, and succeed.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { register } from "../../src/cli/commands.js";
import { cli, ROOT } from "../helpers.js";

/** Shell words of one command line: spaces split, "..." and '...' quote. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** The README's wafersim commands: lines of sh blocks and inline `npx wafersim ...` spans that are not syntax summaries. */
function readmeCommands(): string[][] {
  const text = readFileSync(join(ROOT, "README.md"), "utf8");
  const lines: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) lines.push(...block[1]!.split("\n"));
  for (const span of text.matchAll(/`(npx wafersim [^`]+)`/g)) if (!/[<[|]/.test(span[1]!)) lines.push(span[1]!);
  return lines
    .map((l) => l.replace(/\s+#\s.*$/, "").trim())
    .flatMap((l) => l.split(/\s*&&\s*/))
    .filter((l) => l.startsWith("npx wafersim "))
    .map((l) => words(l).slice(2));
}

/** Parses `args` as the CLI would, without running any command. Returns the error text, or "" when it parses. */
async function parses(args: readonly string[]): Promise<string> {
  const errors: string[] = [];
  const program = new Command("wafersim").exitOverride().configureOutput({ writeOut: () => {}, writeErr: (s) => errors.push(s) });
  register(program, () => {});
  for (const c of program.commands) c.action(() => {});
  try {
    await program.parseAsync([...args], { from: "user" });
    return "";
  } catch (err) {
    return `${errors.join("")}${(err as Error).message}`;
  }
}

/** Commands whose tests live here: run for real. Writing ones (calibrate --write) and other helpers' commands are parsed only. */
const RUN = new Set(["list", "predict", "compare", "run", "solve", "session", "solved", "chart", "calibrate"]);

const commands = readmeCommands();

describe("README.md's commands", () => {
  it("has commands to check", () => {
    expect(commands.length).toBeGreaterThan(15);
  });

  it.each(commands.map((c) => [c.join(" "), c] as const))("parses: wafersim %s", async (_t, args) => {
    expect(await parses(args)).toBe("");
  });

  it.each(commands.filter((c) => RUN.has(c[0]!) && !c.includes("--write")).map((c) => [c.join(" "), c] as const))("runs: wafersim %s", (_t, args) => {
    const r = cli(args, { cwd: mkdtempSync(join(tmpdir(), "wafersim-readme-")) });
    expect(r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("warning: "))).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("stands on its own: no reference to files outside the repository", () => {
    const text = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(text).not.toMatch(/DESIGN\.md|STYLE\.md|shared folder|\.\.\/shared/);
  });
});
