import { InputError, inputError, type Issue } from "../errors.js";
import { readData } from "../io/read.js";
import { relative } from "node:path";
import { listIds, MODELS_DIR, resolveRef, ROOT_DIR } from "../registry.js";
import { validate, type Field, type Spec } from "../schema/spec.js";

/**
 * Dollars and joules per output token from the data in models/power and models/prices. A
 * figure there is a value, a range where sources disagree, and its source; a figure that could
 * not be found is absent (and the file says so), and then so is the cost: null, never a guess.
 */
const KINDS = ["vendor", "independent", "paper", "derived", "secondary", "assumption", "definition", "what-if"];

function figure(of: Spec, doc: string, optional = false): Field {
  return {
    t: "object", doc, ...(optional ? { optional } : {}),
    fields: {
      value: of,
      range: { t: "list", of, minItems: 2, optional: true, doc: "[low, high] where sources disagree" },
      source: { t: "string" },
      date: { t: "string", optional: true },
      variant: { t: "string", optional: true },
      note: { t: "string", optional: true },
      kind: { t: "string", enum: KINDS, optional: true },
    },
  };
}

const POWER: Spec = {
  t: "object",
  fields: {
    id: { t: "string" },
    hardware: { t: "string", doc: "the hardware id these figures are for" },
    chipPower: figure({ t: "quantity", dim: "power" }, "board power of one chip (GPU TDP) or a whole system (CS-3)"),
    hostPowerPerChip: figure({ t: "quantity", dim: "power", allowZero: true }, "the host server's share per chip"),
  },
};

const DATACENTER: Spec = { t: "object", fields: { id: { t: "string" }, pue: figure({ t: "number", min: 1, max: 5 }, "power usage effectiveness (site power / IT power)") } };
const ELECTRICITY: Spec = { t: "object", fields: { id: { t: "string" }, dollarsPerKilowattHour: figure({ t: "number", exclusiveMin: 0 }, "electricity price") } };

const API_PRICE: Spec = {
  t: "object",
  fields: {
    model: { t: "string" }, provider: { t: "string" },
    inputDollarsPerMillion: { t: "number", min: 0 }, outputDollarsPerMillion: { t: "number", min: 0 },
    source: { t: "string" }, kind: { t: "string", enum: KINDS, optional: true }, note: { t: "string", optional: true }, date: { t: "string", optional: true },
  },
};

const PRICE: Spec = {
  t: "object",
  fields: {
    id: { t: "string" },
    hardware: { t: "string" },
    dollarsPerChipHour: figure({ t: "number", exclusiveMin: 0 }, "cloud rent of one chip for an hour", true),
    purchaseDollarsPerChip: figure({ t: "number", exclusiveMin: 0 }, "purchase price of one chip (or system)", true),
    amortisationYears: figure({ t: "number", exclusiveMin: 0, max: 30 }, "years the purchase is spread over", true),
    apiPrices: { t: "list", of: API_PRICE, optional: true },
    missing: { t: "string", optional: true, doc: "what could not be found" },
  },
};

interface Figure { readonly value: number; readonly range?: readonly number[]; readonly source: string }
export interface PowerData { readonly file: string; readonly hardware: string; readonly chipPower: Figure; readonly hostPowerPerChip: Figure }
export interface PriceData {
  readonly file: string;
  readonly hardware: string;
  readonly dollarsPerChipHour?: Figure;
  readonly purchaseDollarsPerChip?: Figure;
  readonly amortisationYears?: Figure;
  readonly missing?: string;
}

function load<T>(spec: Spec, file: string): T {
  const issues: Issue[] = [];
  const v = validate(spec, readData(file), file, "", issues) as T;
  if (issues.length > 0) throw new InputError(issues);
  return v;
}

/** models/<collection>/<id>.yaml if it exists, else undefined (no data for that hardware). */
function shipped(collection: "power" | "prices", id: string): string | undefined {
  return listIds(collection).includes(id) ? `${MODELS_DIR}${collection}/${id}.yaml` : undefined;
}

/** What a cost is computed from; overrides from --price/--power replace single figures. */
export interface CostInputs {
  readonly power?: PowerData;
  readonly price?: PriceData;
  readonly pue: Figure;
  readonly electricity: Figure;
}

const OVERRIDE_KEYS = {
  power: ["chipWatts", "hostWatts", "pue"],
  price: ["dollarsPerChipHour", "purchaseDollarsPerChip", "amortisationYears", "dollarsPerKilowattHour"],
} as const;

/**
 * Parses `--power` / `--price`: a YAML file in the shape of models/power or models/prices, or
 * overrides "key=value,key=value" (power: chipWatts, hostWatts, pue; price: dollarsPerChipHour,
 * purchaseDollarsPerChip, amortisationYears, dollarsPerKilowattHour).
 */
export function parseOverrides(flag: "--power" | "--price", text: string): { readonly file?: string; readonly values: Readonly<Record<string, number>> } {
  if (!text.includes("=")) return { file: text, values: {} };
  const keys: readonly string[] = OVERRIDE_KEYS[flag === "--power" ? "power" : "price"];
  const values: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(-?[0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*$/.exec(part);
    if (!m || !keys.includes(m[1]!) || m[1]! in values) {
      throw inputError({ file: flag, path: "", problem: `cannot read ${JSON.stringify(part.trim())}`, got: JSON.stringify(text), expected: `a file, or key=number pairs separated by commas, each key once, keys: ${keys.join(", ")}` });
    }
    const v = Number(m[2]);
    if (!(v > 0) && !(m[1] === "hostWatts" && v === 0)) throw inputError({ file: flag, path: "", problem: `${m[1]} must be above zero`, got: JSON.stringify(text), expected: "a positive number" });
    if (m[1] === "pue" && v < 1) throw inputError({ file: flag, path: "", problem: "a PUE below 1 would make power from nothing", got: JSON.stringify(text), expected: "pue from 1 up" });
    values[m[1]!] = v;
  }
  return { values };
}

const given = (v: number, what: string): Figure => ({ value: v, source: `${what} (given by the user)` });

/** The cost inputs of one hardware: shipped data, then a user's file, then single overrides. */
export function costInputs(hardwareId: string, opts: { power?: string; price?: string } = {}): CostInputs {
  const pw = opts.power !== undefined ? parseOverrides("--power", opts.power) : { values: {} as Record<string, number> };
  const pr = opts.price !== undefined ? parseOverrides("--price", opts.price) : { values: {} as Record<string, number> };
  const powerFile = pw.file !== undefined ? resolveRef("power", pw.file, "--power") : shipped("power", hardwareId);
  const priceFile = pr.file !== undefined ? resolveRef("prices", pr.file, "--price") : shipped("prices", hardwareId);
  let power = powerFile ? { ...load<Omit<PowerData, "file">>(POWER, powerFile), file: powerFile } : undefined;
  let price = priceFile ? { ...load<Omit<PriceData, "file">>(PRICE, priceFile), file: priceFile } : undefined;
  const dc = load<{ pue: Figure }>(DATACENTER, `${MODELS_DIR}power/datacenter.yaml`);
  const el = load<{ dollarsPerKilowattHour: Figure }>(ELECTRICITY, `${MODELS_DIR}prices/electricity.yaml`);
  const v = pw.values;
  if (v["chipWatts"] !== undefined || v["hostWatts"] !== undefined) {
    const chip = v["chipWatts"] !== undefined ? given(v["chipWatts"], "chip power") : power?.chipPower;
    if (!chip) throw inputError({ file: "--power", path: "", problem: `no power data for ${hardwareId}, so chipWatts must be given`, got: JSON.stringify(opts.power), expected: "chipWatts=<watts> (and hostWatts)" });
    power = { file: "--power", hardware: hardwareId, chipPower: chip, hostPowerPerChip: v["hostWatts"] !== undefined ? given(v["hostWatts"], "host power") : power?.hostPowerPerChip ?? given(0, "host power") };
  }
  const p = pr.values;
  if (Object.keys(p).some((k) => k !== "dollarsPerKilowattHour")) {
    price = {
      file: "--price", hardware: hardwareId, ...(price ?? {}),
      ...(p["dollarsPerChipHour"] !== undefined ? { dollarsPerChipHour: given(p["dollarsPerChipHour"], "cloud price per chip-hour") } : {}),
      ...(p["purchaseDollarsPerChip"] !== undefined ? { purchaseDollarsPerChip: given(p["purchaseDollarsPerChip"], "purchase price per chip") } : {}),
      ...(p["amortisationYears"] !== undefined ? { amortisationYears: given(p["amortisationYears"], "amortisation years") } : {}),
    };
  }
  return {
    ...(power ? { power } : {}), ...(price ? { price } : {}),
    pue: v["pue"] !== undefined ? given(v["pue"], "PUE") : dc.pue,
    electricity: p["dollarsPerKilowattHour"] !== undefined ? given(p["dollarsPerKilowattHour"], "electricity price") : el.dollarsPerKilowattHour,
  };
}

export interface Cost {
  /** null when no price is known for this hardware */
  readonly dollarsPerMillionOutputTokens: number | null;
  /** null when no power figure is known */
  readonly joulesPerOutputToken: number | null;
  readonly dollarsPerHour: number | null;
  /** site power of the fleet: chips x (chip + host) x PUE */
  readonly watts: number | null;
  /** "cloud": rent per chip-hour; "owned": purchase spread over the amortisation years plus electricity */
  readonly basis: "cloud" | "owned" | null;
  readonly sources: readonly string[];
}

const HOURS_PER_YEAR = 24 * 365;

/** a data file as a repository path (models/prices/x.yaml), a user's file or flag as given */
function where(file: string): string {
  return file.startsWith(ROOT_DIR) ? relative(ROOT_DIR, file) : file;
}

/**
 * Fleet cost and energy per output token, at the chips' rated power (an upper bound: a lightly
 * loaded GPU draws less; no utilisation-dependent power figure was found for these chips).
 * Basis: `cloud` when a rent per chip-hour is known (it includes power and the host), else
 * `owned` (purchase / (years x 8,760 h) + site power x electricity price). A cost needs
 * outputTokensPerSecond > 0.
 */
export function costOf(inp: CostInputs, chips: number, outputTokensPerSecond: number, basis?: "cloud" | "owned"): Cost {
  const sources: string[] = [];
  let watts: number | null = null;
  if (inp.power) {
    watts = chips * (inp.power.chipPower.value + inp.power.hostPowerPerChip.value) * inp.pue.value;
    sources.push(where(inp.power.file), `PUE ${inp.pue.value} (${inp.pue.source.startsWith("PUE (given") ? "given" : "models/power/datacenter.yaml"})`);
  }
  const pr = inp.price;
  const cloud = pr?.dollarsPerChipHour;
  const owned = pr?.purchaseDollarsPerChip && pr.amortisationYears && watts !== null ? { buy: pr.purchaseDollarsPerChip.value, years: pr.amortisationYears.value } : undefined;
  let dollarsPerHour: number | null = null;
  let used: Cost["basis"] = null;
  if (cloud && basis !== "owned") {
    dollarsPerHour = chips * cloud.value;
    used = "cloud";
  } else if (owned && basis !== "cloud") {
    dollarsPerHour = (chips * owned.buy) / (owned.years * HOURS_PER_YEAR) + (watts! / 1000) * inp.electricity.value;
    used = "owned";
    sources.push(`electricity $${inp.electricity.value}/kWh`);
  }
  if (pr && used) sources.push(where(pr.file));
  const ok = outputTokensPerSecond > 0 && Number.isFinite(outputTokensPerSecond);
  return {
    dollarsPerMillionOutputTokens: ok && dollarsPerHour !== null ? (dollarsPerHour / 3600 / outputTokensPerSecond) * 1e6 : null,
    joulesPerOutputToken: ok && watts !== null ? watts / outputTokensPerSecond : null,
    dollarsPerHour, watts, basis: used, sources,
  };
}

/** costOf for a hardware id with its shipped data: what predict and compare report. */
export function costFor(hardwareId: string, chips: number, outputTokensPerSecond: number, opts: { power?: string; price?: string } = {}): Cost {
  return costOf(costInputs(hardwareId, opts), chips, outputTokensPerSecond);
}
