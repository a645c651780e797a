import type { Command } from "commander";
import { registerCalibrate } from "./calibrate.js";
import { registerChart } from "./chart.js";
import { registerCompare } from "./compare.js";
import { registerList } from "./list.js";
import { registerPredict } from "./predict.js";
import { registerRun } from "./run.js";
import { registerSchema } from "./schema.js";
import { registerSolve } from "./solve.js";
import { registerSweep } from "./sweep.js";
import { registerSession } from "./session.js";
import { registerSimulate } from "./simulate.js";
import { registerCapacity } from "./capacity.js";

/** Every command. Each imports the engine lazily inside its action. */
export function register(program: Command, out: (s: string) => void): void {
  registerList(program, out);
  registerPredict(program, out);
  registerCompare(program, out);
  registerChart(program, out);
  registerCalibrate(program, out);
  registerSession(program, out);
  registerRun(program, out);
  registerSweep(program, out);
  registerSolve(program, out);
  registerSchema(program, out);
  registerSimulate(program, out);
  registerCapacity(program, out);
}
