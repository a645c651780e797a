/**
 * Named limits on every numeric input that scales wafersim's work, memory or arithmetic: a
 * value beyond its limit is refused as bad input naming the limit, before any work starts.
 * They are guard rails against typos and hostile input, not figures from the world: each is
 * far beyond the largest real value (cited from the shipped data) and states why it exists.
 * The sizes of input files are bounded in src/io/read.ts; the ranges of physical quantities
 * ("44 GB", "21 PB/s") in src/units/dimensions.ts.
 */
export interface Limit {
  readonly name: string;
  readonly max: number;
  /** what the limit bounds and why it is where it is */
  readonly why: string;
}

const limit = (name: string, max: number, why: string): Limit => ({ name, max, why });

export const LIMITS = {
  chips: limit("MAX_CHIPS", 1_000_000, "a million chips: 50,000 times the 19 CS-3 that Llama 3.1 405B needs; a larger count is a typo, not a deployment"),
  batch: limit("MAX_BATCH", 1_000_000, "a million users sharing one decode step"),
  tokens: limit("MAX_TOKENS", 1_000_000_000, "a billion tokens of prompt or output: 95 times the longest published context window (Llama 4 Scout, 10,485,760 tokens)"),
  draftTokens: limit("MAX_DRAFT_TOKENS", 1_000, "tokens per verify step (1 - a^(k+1)) / (1 - a) saturate: at acceptance 0.99, k = 1,000 reaches 99.996% of the limit 1 / (1 - a) = 100"),
  layers: limit("MAX_LAYERS", 10_000, "80 times the deepest shipped model (Llama 3.1 405B, 126 layers); the config parser builds one shape per layer"),
  width: limit("MAX_WIDTH", 1_048_576, "2^20: 64 times the widest shipped hidden size (Llama 3.1 405B, 16,384) and 19 times its FFN width (53,248)"),
  heads: limit("MAX_HEADS", 65_536, "512 times the most attention heads of a shipped model (Llama 3.1 405B, 128)"),
  experts: limit("MAX_EXPERTS", 65_536, "170 times the most experts of a shipped model (Kimi K2, 384)"),
  vocab: limit("MAX_VOCAB", 16_777_216, "2^24: 83 times the largest shipped vocabulary (gpt-oss, 201,088)"),
  params: limit("MAX_PARAMS", 1e15, "a quadrillion parameters: about 1,000 times the largest shipped model (Kimi K2, 1.04 T)"),
  cores: limit("MAX_CORES", 100_000_000, "processing elements of one wafer: 111 times WSE-3's 900,000"),
  turns: limit("MAX_TURNS", 10_000, "40 times SWE-agent's 250-turn limit (models/tasks/swe-bench-pro.yaml); a session keeps one row per turn"),
  roundTrips: limit("MAX_ROUND_TRIPS", 1_000, "network round trips per request or session: a request waits for a handful (connection, TLS, the request itself)"),
  backlog: limit("MAX_BACKLOG", 1_000_000_000, "a billion tasks in a backlog"),
} as const satisfies Record<string, Limit>;

/**
 * MIN_FRACTION: the smallest efficiency or share a what-if may set (1e-6). A fitted efficiency
 * is above 0.001 (src/engine/parameters.ts); a millionth of a peak is already absurd, and
 * x1e-308 of one made a request take Infinity seconds.
 */
export const MIN_FRACTION = 1e-6;

/** "at most 1,000,000 (MAX_CHIPS: a million chips ...)": the expected part of a message. */
export function withinLimit(l: Limit, min?: number): string {
  const range = min === undefined ? `at most ${l.max.toLocaleString("en-US")}` : `a whole number from ${min.toLocaleString("en-US")} to ${l.max.toLocaleString("en-US")}`;
  return `${range} (${l.name}: ${l.why})`;
}
