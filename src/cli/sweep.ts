import type { Command } from "commander";
import { Option } from "commander";
import { inputError } from "../errors.js";
import { wholeNumber } from "./options.js";
import { addSetOption } from "./set.js";

interface SweepFlags {
  format: "csv" | "json" | "jsonl" | "parquet";
  out?: string;
  columns?: string;
  workers?: number;
  shard?: string;
  shardCount?: number;
  maxPoints?: number;
  set?: string[];
  progress: boolean;
}

export function registerSweep(program: Command, out: (s: string) => void): void {
  void out;
  addSetOption(program
    .command("sweep")
    .description("evaluate every point of a scenario's sweep (fast path), as CSV, JSON, JSON lines or Parquet")
    .argument("<scenario>", "scenario file, or the name of one in scenarios/")
    .addOption(new Option("--format <format>", "output format").choices(["csv", "json", "jsonl", "parquet"]).default("csv"))
    .option("--out <file>", "write to a file (atomically: complete or not at all) in an existing folder, or to a device or FIFO; default: stdout")
    .option("--columns <metrics>", "only these metrics, comma-separated (the swept keys and note are always written); default: every metric")
    .option("--workers <N>", "threads evaluating points (this one and N - 1 workers), at most the cores; default: all cores for sweeps of 200,000 points or more, else 1", wholeNumber("--workers"))
    .option("--shard <K/N|auto>", "compute only the K-th of N disjoint slices (join the parts with `wafersim merge`); auto: from SLURM_ARRAY_TASK_* or JOB_COMPLETION_INDEX")
    .option("--shard-count <N>", "with --shard auto in a Kubernetes Indexed Job: the number of shards (the Job's completions); or set WAFERSIM_SHARD_COUNT", wholeNumber("--shard-count"))
    .option("--max-points <N>", "refuse sweeps of more points than this (default 10,000,000)", wholeNumber("--max-points"))
    .option("--no-progress", "no progress bar on stderr"))
    .action(async (ref: string, f: SweepFlags) => {
      const { runSweep, parseShard, shardFromEnv } = await import("../scenario/sweep.js");
      if (f.shardCount !== undefined && f.shard?.trim() !== "auto") {
        throw inputError({ file: "--shard-count", path: "", problem: "applies to --shard auto only", got: String(f.shardCount), expected: "--shard auto --shard-count N, or --shard K/N" });
      }
      const shard = f.shard === undefined ? undefined : f.shard.trim() === "auto" ? shardFromEnv(process.env, f.shardCount) : parseShard(f.shard);
      const r = await runSweep(ref, {
        format: f.format, progress: f.progress && process.stderr.isTTY === true,
        ...(f.out !== undefined ? { out: f.out } : {}), ...(f.columns !== undefined ? { columns: f.columns } : {}),
        ...(f.workers !== undefined ? { workers: f.workers } : {}), ...(shard ? { shard } : {}),
        ...(f.maxPoints !== undefined ? { maxPoints: f.maxPoints } : {}), ...(f.set && f.set.length > 0 ? { set: f.set } : {}),
      });
      if (f.out !== undefined && process.stderr.isTTY) {
        process.stderr.write(`${r.points.toLocaleString("en-US")} points${shard ? ` (shard ${shard.k}/${shard.n} of ${r.total.toLocaleString("en-US")})` : ""} in ${r.seconds.toFixed(2)} s with ${r.workers} worker${r.workers > 1 ? "s" : ""} -> ${f.out}\n`);
      }
    });

  program
    .command("merge")
    .description("join the shard files of `wafersim sweep --shard K/N` into the output one machine would write")
    .argument("<shards...>", "every shard's file, in any order")
    .option("--out <file>", "write to a file (atomically) in an existing folder, or to a device or FIFO; default: stdout")
    .action(async (files: string[], f: { out?: string }) => {
      const { mergeShards } = await import("../scenario/sweep.js");
      await mergeShards(files, f.out);
    });
}
