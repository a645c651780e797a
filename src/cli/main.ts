import { Command, CommanderError } from "commander";
import { clip, EnvironmentError, formatIssue, formatSystemError, InputError, isSystemError, systemProblem } from "../errors.js";
import { checkFlagRules } from "./options.js";

/**
 * The `wafersim` command. Heavy modules (engine, charts, mathjs) are imported inside the
 * command that needs them.
 *
 * Exit codes, one line per problem on stderr and never a stack trace:
 *   0  done; also when the reader of the output goes away (`wafersim ... | head`: EPIPE)
 *   1  the environment failed (disk full, read-only tree, no permission, too many open files,
 *      an output that cannot be written: `cannot write /x: no space left on device (ENOSPC)`),
 *      or an internal error (a wafersim bug, to report); also a command's answer "no"
 *      (solve: no value meets the target), which prints its result, not an error
 *   2  bad input: a flag, an id or a file, named with the field, the value and what was expected
 */

/** Where a run writes: the process's stdout and stderr, or a test's buffers. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

let processStreamsGuarded = false;

/**
 * Write errors on stdout arrive as 'error' events (from the write itself or, for a pipe, later):
 * without a listener Node prints a stack trace. A reader that went away ends the run quietly;
 * any other failure (`> /dev/full`) is one line and exit code 1. Installed once per process.
 */
function guardProcessStreams(): void {
  if (processStreamsGuarded) return;
  processStreamsGuarded = true;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    try {
      process.stderr.write(`wafersim: cannot write the output: ${systemProblem(err)}\n`);
    } finally {
      process.exit(1);
    }
  });
  // Nothing can be reported when stderr itself fails: end with the code the run would have had.
  process.stderr.on("error", () => process.exit(process.exitCode === undefined ? 1 : Number(process.exitCode)));
}

const PROCESS_IO: Io = {
  out: (s) => { process.stdout.write(s); },
  err: (s) => { process.stderr.write(s); },
};

/** Every command, wired to `io`; flag rules (src/cli/options.ts) are checked before any action runs. */
export async function buildProgram(io: Io): Promise<Command> {
  const out = (s: string) => io.out(s.endsWith("\n") ? s : `${s}\n`);
  const program = new Command("wafersim")
    .description("LLM inference performance on wafer-scale chips and GPUs, from first principles")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run with --help for usage)")
    .hook("preAction", async (_program, action) => checkFlagRules(action));

  const commands = await import("./commands.js");
  commands.register(program, out);
  return program;
}

export async function main(argv: readonly string[], io?: Io): Promise<number> {
  if (io === undefined) guardProcessStreams();
  const sink = io ?? PROCESS_IO;
  try {
    const program = await buildProgram(sink);
    await program.parseAsync([...argv], { from: "user" });
    // A command may answer "no" with exit code 1 (solve: no value meets the target).
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    if (io !== undefined) process.exitCode = undefined; // an in-process run leaves nothing for the next
    return code;
  } catch (err) {
    return reportError(err, sink);
  }
}

/** The exit code for `err`, after one line per problem on stderr. */
export function reportError(err: unknown, io: Io = PROCESS_IO): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and version are not errors.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    return 2;
  }
  if (err instanceof InputError) {
    io.err(`wafersim: bad input\n${err.issues.map((i) => `  ${formatIssue(i)}`).join("\n")}\n`);
    return 2;
  }
  if (err instanceof EnvironmentError) {
    io.err(`wafersim: ${err.message}\n`);
    return 1;
  }

  if (isSystemError(err)) {
    io.err(`wafersim: ${formatSystemError(err)}\n`);
    if (process.env["WAFERSIM_DEBUG"] && err.stack) io.err(`${err.stack}\n`);
    return 1;
  }
  const msg = err instanceof Error ? err.message : String(err);
  io.err(`wafersim: internal error: ${clip(msg, 400)}\n`);
  if (process.env["WAFERSIM_DEBUG"] && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  else io.err("  (set WAFERSIM_DEBUG=1 for a stack trace, and please report it)\n");
  return 1;
}
