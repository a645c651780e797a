import { Command, CommanderError, Option } from "commander";
import { formatIssue, InputError } from "../errors.js";

/**
 * The `wafersim` command. Exit codes: 0 ok, 1 internal error, 2 bad input. Heavy modules
 * (engine, charts, mathjs) are imported inside the command that needs them.
 */
export async function main(argv: readonly string[]): Promise<number> {
  // A reader that goes away (`wafersim run ... | head`) is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  const out = (s: string) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
  const program = new Command("wafersim")
    .description("LLM inference performance on wafer-scale chips and GPUs, from first principles")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)");

  const commands = await import("./commands.js");
  commands.register(program, out);
  void Option;

  try {
    await program.parseAsync([...argv], { from: "user" });
    // a command may answer "no" with exit code 1 (solve: no value meets the target)
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and version are not errors.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    return 2;
  }
  if (err instanceof InputError) {
    process.stderr.write(`wafersim: bad input\n${err.issues.map((i) => `  ${formatIssue(i)}`).join("\n")}\n`);
    return 2;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`wafersim: internal error: ${msg}\n`);
  if (process.env["WAFERSIM_DEBUG"] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write("  (set WAFERSIM_DEBUG=1 for a stack trace, and please report it)\n");
  return 1;
}
