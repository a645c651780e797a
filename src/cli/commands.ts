import type { Command } from "commander";

/** Commands added as issues land (predict, run, sweep, calibrate, chart, ...). */
export function register(_program: Command, _out: (s: string) => void): void {}
