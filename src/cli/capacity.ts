import type { Command } from "commander";
import { inputError } from "../errors.js";
import type { CapacityResult } from "../capacity/search.js";
import { formatCount, formatSeconds } from "../units/format.js";
import { addServingOptions, toSimulateOptions, type SimulateFlags } from "./simulate.js";
import { renderTable } from "./table.js";

interface CapacityFlags extends Omit<SimulateFlags, "rate"> {
  rate?: number;
  breakEven: boolean;
}

const money = (v: number | null) => (v === null ? "no price data" : `$${v.toFixed(3)}`);

export function renderCapacity(r: CapacityResult, title: string): string {
  const lines = [title, ""];
  lines.push(renderTable(["hardware", "chips", "layout", "meets SLO", "p99 TTFT", "p99 TPOT", "$/M output tok", "J/output tok", "$/hour", "note"], r.options.map((o) => [
    o.hardware, formatCount(o.chips), o.layout, o.meetsSlo ? "yes" : "no", formatSeconds(o.ttftSeconds), formatSeconds(o.tpotSeconds),
    money(o.cost), o.energy === null ? "-" : o.energy.toFixed(3), o.dollarsPerHour === null ? "-" : `$${formatCount(o.dollarsPerHour)} (${o.costBasis})`, o.note,
  ]), [false, true, false, false, true, true, true, true, true, false]));
  lines.push("");
  lines.push("tightest SLO each can meet at any size (one request alone on its fastest replica size):");
  for (const f of r.floors) lines.push(`  ${f.hardware}: TTFT ${formatSeconds(f.ttftSeconds)}, TPOT ${formatSeconds(f.tpotSeconds)}`);
  for (const b of r.breakEven) {
    lines.push("");
    lines.push(b.requestsPerSecond === null
      ? `break-even ${b.gpu} against ${b.wafer}: none found (${b.note})`
      : `break-even: from ${formatCount(b.requestsPerSecond)} req/s a ${b.gpu} fleet meeting the SLO costs no more per hour than a ${b.wafer} fleet${b.note ? ` (${b.note})` : ""}`);
    lines.push(renderTable(["req/s", `${b.gpu} $/h`, `${b.wafer} $/h`], b.points.map((p) => [formatCount(p.rate), p.gpuDollarsPerHour === null ? "-" : formatCount(p.gpuDollarsPerHour), p.waferDollarsPerHour === null ? "-" : formatCount(p.waferDollarsPerHour)]), [true, true, true]));
  }
  return lines.join("\n");
}

export function registerCapacity(program: Command, out: (s: string) => void): void {
  addServingOptions(program.command("capacity").description("fewest chips (and layout) per hardware that meet a latency SLO under load, with cost, energy and the GPU-wafer break-even"))
    .requiredOption("--hardware <ids>", "comma-separated hardware ids or files")
    .option("--rate <R>", "Poisson arrivals, requests per second", (t: string) => {
      const v = Number(t);
      if (t.trim() === "" || !(v > 0) || !Number.isFinite(v)) throw inputError({ file: "--rate", path: "", problem: "not a positive number", got: JSON.stringify(t), expected: "requests per second above 0" });
      return v;
    })
    .option("--no-break-even", "skip the break-even search over rates (seven fleets per hardware)")
    .action(async (f: CapacityFlags) => {
      if (f.slo === undefined) throw inputError({ file: "--slo", path: "", problem: "missing", expected: 'a latency target such as "ttft=1s,tpot=10ms"' });
      const hardware = f.hardware.split(",").map((h) => h.trim()).filter((h) => h !== "");
      if (hardware.length === 0 || hardware.length > 8) throw inputError({ file: "--hardware", path: "", problem: "wrong number of hardware ids", got: JSON.stringify(f.hardware), expected: "1 to 8 ids separated by commas" });
      const base = await toSimulateOptions({ ...f, requests: f.requests ?? 500 }, hardware[0]!, f.rate);
      const { checkSimulateOptions } = await import("../serving/run.js");
      checkSimulateOptions(base);
      const { capacity } = await import("../capacity/search.js");
      const { model: _m, hardware: _h, slo, ...traffic } = base;
      const r = capacity({ model: f.model, hardware, traffic, slo: slo!, breakEven: f.breakEven });
      if (f.json) out(JSON.stringify(r, null, 2));
      else out(renderCapacity(r, `${f.model}: ${f.rate !== undefined ? `${f.rate} req/s` : `${f.users} agents on ${f.task}`}, SLO p99 TTFT <= ${formatSeconds(slo!.ttftSeconds)}, p99 TPOT <= ${formatSeconds(slo!.tpotSeconds)}`));
    });
}
