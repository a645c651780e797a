import { InputError } from "../errors.js";
import { prepare } from "../engine/predict.js";
import { deploy, type Deployment } from "../serving/engine.js";
import { runSimulation, type SimulateOptions, type SimulationReport } from "../serving/run.js";
import type { Slo } from "../serving/simulate.js";
import { costInputs, costOf } from "./cost.js";

/**
 * Capacity planning: for each hardware, the fewest chips (replica size x replicas) whose
 * simulated p99 time to first token and p99 time per output token meet the SLO. Bounded: a few
 * replica sizes (the fewest chips that hold the model, then doublings up to MAX_REPLICA_CHIPS
 * for GPUs and two for wafers), and replicas found by doubling then bisection up to
 * MAX_FLEET_CHIPS chips, each candidate one simulation of `requests` requests.
 */
export const MAX_FLEET_CHIPS = 4096;
const MAX_REPLICA_CHIPS = 16;

export interface CapacityOptions {
  readonly model: string;
  readonly hardware: readonly string[];
  /** traffic and everything else of a simulation except hardware, chips and replicas */
  readonly traffic: Omit<SimulateOptions, "model" | "hardware" | "chips" | "replicas" | "slo">;
  readonly slo: Slo;
  /** compute the GPU-against-wafer break-even over a range of rates (rate traffic only) */
  readonly breakEven?: boolean;
}

export interface CapacityOption {
  readonly hardware: string;
  readonly chips: number;
  readonly layout: string;
  readonly meetsSlo: boolean;
  /** p99 of the simulation at this size */
  readonly ttftSeconds: number;
  readonly tpotSeconds: number;
  /** $ per million output tokens (null: no price data) */
  readonly cost: number | null;
  /** J per output token (null: no power data) */
  readonly energy: number | null;
  readonly replicas: number;
  readonly chipsPerReplica: number;
  readonly dollarsPerHour: number | null;
  readonly costBasis: string | null;
  readonly outputTokensPerSecond: number;
  /** the best p99s one replica size reaches unloaded (one request at a time): no fleet does better */
  readonly floor: { readonly ttftSeconds: number; readonly tpotSeconds: number };
  readonly note: string;
}

export interface CapacityResult {
  readonly options: readonly CapacityOption[];
  readonly slo: Slo;
  readonly breakEven: readonly { readonly gpu: string; readonly wafer: string; readonly requestsPerSecond: number | null; readonly note: string; readonly points: readonly { readonly rate: number; readonly gpuDollarsPerHour: number | null; readonly waferDollarsPerHour: number | null }[] }[];
  /** per hardware: the tightest SLO it can meet at any size (its unloaded floor) */
  readonly floors: readonly { readonly hardware: string; readonly ttftSeconds: number; readonly tpotSeconds: number }[];
}

function meets(r: SimulationReport, slo: Slo): boolean {
  return r.rejected === 0 && r.requests > 0 && r.ttftSeconds.p99 <= slo.ttftSeconds && r.tpotSeconds.p99 <= slo.tpotSeconds;
}

function replicaSizes(hardware: string, model: string, precision: SimulateOptions["precision"]): { sizes: number[]; deployments: Map<number, Deployment> } {
  const pr = prepare({ model, hardware, ...(precision ? { precision } : {}) });
  const first = deploy(pr, {});
  const sizes = [first.chips];
  const domain = pr.hardware.interconnect.scaleUp?.devices.value ?? 1;
  const max = pr.hardware.kind === "gpu" ? Math.max(first.chips, MAX_REPLICA_CHIPS) : first.chips * 2;
  for (let n = first.chips * 2; n <= max; n *= 2) if (pr.hardware.kind !== "gpu" || n <= domain || n % domain === 0) sizes.push(n);
  const deployments = new Map<number, Deployment>();
  for (const n of sizes) {
    try { deployments.set(n, n === first.chips ? first : deploy(pr, { chips: n })); } catch (err) { if (!(err instanceof InputError)) throw err; }
  }
  return { sizes: sizes.filter((n) => deployments.has(n)), deployments };
}

/** One request alone on one replica (no queueing, no batching): the best latencies a size can give. */
function aloneOn(o: CapacityOptions, hardware: string, chips: number): SimulationReport {
  const { trace: _t, users: _u, task: _k, durationSeconds: _d, arrivalCv: _c, ...rest } = o.traffic;
  return runSimulation({ ...rest, model: o.model, hardware, chips, replicas: 1, rate: 1e-3, requests: 1 });
}

/** One hardware's answer at one traffic. */
function searchHardware(o: CapacityOptions, hardware: string): CapacityOption {
  const precision = o.traffic.precision;
  const { sizes } = replicaSizes(hardware, o.model, precision);
  const sim = (chips: number, replicas: number, extra: Partial<SimulateOptions> = {}) =>
    runSimulation({ ...o.traffic, model: o.model, hardware, chips, replicas, slo: o.slo, ...extra });
  let best: { chips: number; replicas: number; r: SimulationReport } | undefined;
  let tightest: { ttft: number; tpot: number } = { ttft: Infinity, tpot: Infinity };
  let largest: { chips: number; replicas: number; r: SimulationReport } | undefined;
  for (const size of sizes) {
    // The floor: one request alone on this replica size.
    const alone = aloneOn(o, hardware, size);
    const floor = { ttft: alone.ttftSeconds.p99, tpot: alone.tpotSeconds.p99 };
    if (floor.ttft + floor.tpot < tightest.ttft + tightest.tpot) tightest = floor;
    if (floor.ttft > o.slo.ttftSeconds || floor.tpot > o.slo.tpotSeconds) continue;
    const maxReplicas = Math.floor(MAX_FLEET_CHIPS / size);
    let lo = 0;
    let hi = 1;
    let hiRun: SimulationReport | undefined;
    for (;;) {
      if (best && hi * size >= best.chips * best.replicas) break;
      const r = sim(size, hi);
      largest = { chips: size, replicas: hi, r };
      if (meets(r, o.slo)) { hiRun = r; break; }
      lo = hi;
      if (hi >= maxReplicas) break;
      hi = Math.min(maxReplicas, hi * 2);
    }
    if (!hiRun) continue;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const r = sim(size, mid);
      if (meets(r, o.slo)) { hi = mid; hiRun = r; } else lo = mid;
    }
    if (!best || hi * size < best.chips * best.replicas) best = { chips: size, replicas: hi, r: hiRun };
  }
  const pick = best ?? largest;
  const floor = { ttftSeconds: tightest.ttft, tpotSeconds: tightest.tpot };
  if (!pick) {
    // No size's floor meets the SLO: report the tightest floor on the smallest size.
    const r = sim(sizes[0]!, 1);
    return option(hardware, sizes[0]!, 1, r, false, floor, "no size meets the SLO: even one request alone is slower than the target");
  }
  return option(hardware, pick.chips, pick.replicas, pick.r, !!best, floor, best ? "" : `not met within ${MAX_FLEET_CHIPS} chips`);
}

function option(hardware: string, size: number, replicas: number, r: SimulationReport, ok: boolean, floor: CapacityOption["floor"], note: string): CapacityOption {
  return {
    hardware, chips: size * replicas, layout: `${replicas} x (${r.deployment.layout})`, meetsSlo: ok,
    ttftSeconds: r.ttftSeconds.p99, tpotSeconds: r.tpotSeconds.p99,
    cost: r.cost.dollarsPerMillionOutputTokens, energy: r.cost.joulesPerOutputToken,
    replicas, chipsPerReplica: size, dollarsPerHour: r.costDetail.dollarsPerHour, costBasis: r.costDetail.basis,
    outputTokensPerSecond: r.throughput.outputTokensPerSecond, floor, note,
  };
}

/** $/hour of the fleet that meets the SLO at `rate` (null when none does or no price is known). */
function fleetDollarsPerHour(o: CapacityOptions, hardware: string, rate: number): number | null {
  const a = searchHardware({ ...o, traffic: { ...o.traffic, rate } }, hardware);
  if (!a.meetsSlo) return null;
  const inp = costInputs(hardware, { ...(o.traffic.power !== undefined ? { power: o.traffic.power } : {}), ...(o.traffic.price !== undefined ? { price: o.traffic.price } : {}) });
  return costOf(inp, a.chips, Math.max(a.outputTokensPerSecond, 1e-9)).dollarsPerHour;
}

export function capacity(o: CapacityOptions): CapacityResult {
  const options = o.hardware.map((h) => searchHardware(o, h));
  const floors = options.map((x) => ({ hardware: x.hardware, ...x.floor }));
  const breakEven: CapacityResult["breakEven"][number][] = [];
  const rate = o.traffic.rate;
  if (o.breakEven !== false && rate !== undefined) {
    const kinds = o.hardware.map((h) => ({ h, kind: prepare({ model: o.model, hardware: h }).hardware.kind }));
    const wafers = kinds.filter((k) => k.kind === "wafer");
    const gpus = kinds.filter((k) => k.kind === "gpu");
    // Rates from rate / 8 to rate x 8 by doubling: seven fleets per hardware.
    const rates = [-3, -2, -1, 0, 1, 2, 3].map((k) => rate * 2 ** k);
    const cache = new Map<string, (number | null)[]>();
    const curve = (h: string) => {
      let c = cache.get(h);
      if (!c) { c = rates.map((r) => fleetDollarsPerHour(o, h, r)); cache.set(h, c); }
      return c;
    };
    for (const w of wafers) {
      for (const g of gpus) {
        const wc = curve(w.h);
        const gc = curve(g.h);
        let at: number | null = null;
        let note = "";
        for (let i = 0; i < rates.length; i++) {
          const a = gc[i];
          const b = wc[i];
          if (a == null || b == null) continue;
          if (a <= b) {
            // the first rate of the grid at which the GPU fleet costs no more; between grid points by log-linear interpolation
            const j = i - 1;
            const pa = j >= 0 ? gc[j] : null;
            const pb = j >= 0 ? wc[j] : null;
            if (pa != null && pb != null && pa > pb) {
              const d0 = Math.log(pa / pb);
              const d1 = Math.log(a / b);
              at = rates[j]! * 2 ** (d0 / (d0 - d1));
            } else at = rates[i]!;
            break;
          }
        }
        if (at === null) note = gc.every((x) => x === null) ? `${g.h} meets the SLO at none of these rates` : wc.every((x) => x === null) ? `${w.h} meets the SLO at none of these rates` : `the GPU fleet costs more at every rate from ${rates[0]} to ${rates[rates.length - 1]} req/s`;
        else note = at === rates[0] ? `the GPU fleet is already cheaper at the lowest rate tried (${rates[0]} req/s)` : "";
        breakEven.push({ gpu: g.h, wafer: w.h, requestsPerSecond: at, note, points: rates.map((r, i) => ({ rate: r, gpuDollarsPerHour: gc[i] ?? null, waferDollarsPerHour: wc[i] ?? null })) });
      }
    }
  }
  return { options, slo: o.slo, breakEven, floors };
}
