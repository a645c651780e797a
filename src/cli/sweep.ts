import type { Command } from "commander";
import { Option } from "commander";
import { wholeNumber } from "./options.js";

export function registerSweep(program: Command, out: (s: string) => void): void {
  void out;
  program
    .command("sweep")
    .description("evaluate every point of a scenario's sweep (fast path), as CSV, JSON or JSON lines")
    .argument("<scenario>", "scenario file, or the name of one in scenarios/")
    .addOption(new Option("--format <format>", "output format").choices(["csv", "json", "jsonl"]).default("csv"))
    .option("--out <file>", "write to a file (atomically: complete or not at all) in an existing folder; default: stdout")
    .option("--workers <N>", "worker threads; default: all cores for sweeps of 200,000 points or more, else 1", wholeNumber("--workers"))
    .option("--shard <K/N>", "compute only the K-th of N disjoint slices (join the parts with `wafersim merge`)")
    .option("--no-progress", "no progress bar on stderr")
    .action(async (ref: string, f: { format: "csv" | "json" | "jsonl"; out?: string; workers?: number; shard?: string; progress: boolean }) => {
      const { runSweep, parseShard } = await import("../scenario/sweep.js");
      const shard = f.shard !== undefined ? parseShard(f.shard) : undefined;
      const r = await runSweep(ref, {
        format: f.format, progress: f.progress && process.stderr.isTTY === true,
        ...(f.out !== undefined ? { out: f.out } : {}), ...(f.workers !== undefined ? { workers: f.workers } : {}), ...(shard ? { shard } : {}),
      });
      if (f.out !== undefined && process.stderr.isTTY) {
        process.stderr.write(`${r.points.toLocaleString("en-US")} points${shard ? ` (shard ${shard.k}/${shard.n} of ${r.total.toLocaleString("en-US")})` : ""} in ${r.seconds.toFixed(2)} s with ${r.workers} worker${r.workers > 1 ? "s" : ""} -> ${f.out}\n`);
      }
    });

  program
    .command("merge")
    .description("join the shard files of `wafersim sweep --shard K/N` into the output one machine would write")
    .argument("<shards...>", "every shard's file, in any order")
    .option("--out <file>", "write to a file (atomically) in an existing folder; default: stdout")
    .action(async (files: string[], f: { out?: string }) => {
      const { mergeShards } = await import("../scenario/sweep.js");
      const { readText } = await import("../io/read.js");
      await mergeShards(files, f.out, readText);
    });
}
