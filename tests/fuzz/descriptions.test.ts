import { readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadTask, taskFromData } from "../../src/agent/profile.js";
import { simulateSession } from "../../src/agent/session.js";
import { evaluate, prepareFrom } from "../../src/engine/predict.js";
import { hardwareFromData } from "../../src/hardware/load.js";
import { loadHardware } from "../../src/hardware/load.js";
import { parseData, readData } from "../../src/io/read.js";
import { loadModel, modelFromData } from "../../src/model/load.js";
import { MODELS_DIR, listIds } from "../../src/registry.js";
import { stackFromData } from "../../src/stack/load.js";
import { anyNumber, anyValue, fileText, leafPaths, outcome, quantityText, runs, withField } from "./harness.js";

/**
 * Property-based fuzzing of every description loader and of the engine behind it: each
 * generated input ends in a model, hardware, stack or task whose numbers are finite and whose
 * predictions are finite, or in bad input whose problems are named on one bounded line each.
 */

const shipped = (collection: string) => listIds(collection as "hardware").map((id) => readData(`${MODELS_DIR}${collection}/${id}.yaml`) as Record<string, unknown>);
const configs = shipped("llm").map((m) => m["config"] as Record<string, unknown>);
const hardwareData = shipped("hardware");
const hardwareIds = listIds("hardware");
const hardware = hardwareIds.map((id) => loadHardware(id));
const fixtures = readdirSync(new URL("../fixtures/hf/", import.meta.url)).filter((f) => f.endsWith(".json"));

/** Fields of config.json the parser reads, and some it must refuse or ignore. */
const CONFIG_FIELDS = [
  "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size",
  "tie_word_embeddings", "attention_bias", "torch_dtype", "num_local_experts", "num_experts", "n_routed_experts", "num_experts_per_tok",
  "moe_intermediate_size", "n_shared_experts", "shared_expert_intermediate_size", "first_k_dense_replace", "moe_layer_freq",
  "interleave_moe_layer_step", "decoder_sparse_step", "mlp_only_layers", "moe_layers", "layer_types", "sliding_window",
  "use_sliding_window", "max_window_layers", "attention_chunk_size", "no_rope_layers", "kv_lora_rank", "q_lora_rank",
  "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim", "num_nextn_predict_layers", "max_position_embeddings", "model_type",
  "architectures", "quantization_config", "text_config", "state_size", "rope_theta", "num_fancy_layers", "__proto__", "constructor",
];

/** A plausible size more often than not: the engine is exercised, not only the refusals. */
const fieldValue = fc.oneof(
  // powers of two keep heads dividing hidden sizes, so many configs stay valid
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 14 }).map((e) => 2 ** e) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 20_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }) },
  { weight: 2, arbitrary: anyValue },
);

const mutatedConfig = fc.tuple(
  fc.constantFrom(...configs),
  fc.array(fc.tuple(fc.constantFrom(...CONFIG_FIELDS), fieldValue), { minLength: 1, maxLength: 4 }),
).map(([base, edits]) => edits.reduce<Record<string, unknown>>((c, [k, v]) => withField(c, [k], v), base));

/** Loads `data` as the file `file` would be read: its text parsed, then validated by `load`. */
const asFile = <T>(file: string, data: unknown, load: (file: string, data: unknown) => T) => () => load(file, parseData(file, fileText(file, data)));

/** Mostly ordinary workloads, sometimes up to the limits (the model's context window refuses most of those). */
const workload = fc.record({
  batch: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }),
  promptTokens: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 8192 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000_000 }) }),
  outputTokens: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 2048 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000_000 }) }),
});

describe("fuzz: config.json fields", () => {
  it("every mutated config is a model with finite counts and finite predictions, or named bad input", () => {
    let predicted = 0;
    fc.assert(fc.property(mutatedConfig, fc.nat({ max: hardware.length - 1 }), workload, fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined, freq: 4 }), (cfg, h, w, chips) => {
      const m = outcome("config.json", asFile("fuzz.json", cfg, modelFromData));
      if (!m.ok) return;
      if (outcome("predict", () => evaluate(prepareFrom(m.value, hardware[h]!, chips === undefined ? {} : { chips }), w)).ok) predicted++;
    }), runs(1500));
    // the engine is exercised, not only the refusals
    expect(predicted).toBeGreaterThan(runs(1500).numRuns / 20);
  });

  it("the published fixtures load, and predict finite numbers on every shipped hardware", () => {
    for (const f of fixtures) {
      const m = loadModel(new URL(`../fixtures/hf/${f}`, import.meta.url).pathname);
      for (const hw of hardware) outcome(`${f} on ${hw.id}`, () => evaluate(prepareFrom(m, hw, {}), { batch: 1, promptTokens: 1024, outputTokens: 256 }));
    }
    expect(fixtures.length).toBeGreaterThan(3);
  });
});

describe("fuzz: hardware descriptions", () => {
  const leaves = hardwareData.map((d) => leafPaths(d));
  /** A new value for a leaf: mostly its own unit with another number, else anything. */
  const leafValue = (old: unknown) => {
    const unit = typeof old === "string" ? /^[-+.\d eE]+\s*(.*)$/.exec(old)?.[1] : undefined;
    const same = unit ? fc.double({ min: 1e-4, max: 1e5, noNaN: true }).map((n) => `${n} ${unit}`) : fc.integer({ min: 1, max: 2_000_000 });
    return fc.oneof({ weight: 4, arbitrary: same }, { weight: 2, arbitrary: quantityText }, { weight: 1, arbitrary: anyNumber }, { weight: 1, arbitrary: anyValue });
  };
  const at = (d: unknown, path: readonly string[]) => path.reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], d);
  const edit = fc.nat({ max: hardwareData.length - 1 }).chain((i) => fc.tuple(
    fc.constant(i),
    fc.array(fc.constantFrom(...leaves[i]!).chain((path) => fc.tuple(fc.constant(path), leafValue(at(hardwareData[i], path)))), { minLength: 1, maxLength: 3 }),
  ));
  const models = ["llama-3.1-8b", "llama-3.1-70b", "gpt-oss-120b"].map((id) => loadModel(id));

  it("every mutated figure gives hardware with finite predictions, or named bad input", () => {
    let predicted = 0;
    fc.assert(fc.property(edit, fc.nat({ max: models.length - 1 }), workload, ([i, edits], mi, w) => {
      const data = edits.reduce<Record<string, unknown>>((d, [path, v]) => withField(d, path, v), hardwareData[i]!);
      const hw = outcome("hardware", asFile("fuzz.yaml", data, hardwareFromData));
      if (!hw.ok) return;
      if (outcome("predict", () => evaluate(prepareFrom(models[mi]!, hw.value, {}), w)).ok) predicted++;
    }), runs(400));
    expect(predicted).toBeGreaterThan(runs(400).numRuns / 20);
  });
});

describe("fuzz: serving stacks and task profiles", () => {
  const stacks = shipped("stacks");
  const tasks = shipped("tasks");
  const stackLeaves = stacks.map((d) => leafPaths(d));
  const taskLeaves = tasks.map((d) => leafPaths(d));

  it("every mutated stack is a stack or named bad input", () => {
    const edit = fc.nat({ max: stacks.length - 1 }).chain((i) => fc.tuple(fc.constant(i), fc.array(fc.tuple(fc.constantFrom(...stackLeaves[i]!), fc.oneof(quantityText, anyValue)), { minLength: 1, maxLength: 3 })));
    fc.assert(fc.property(edit, ([i, edits]) => {
      outcome("stack", asFile("fuzz.yaml", edits.reduce<Record<string, unknown>>((d, [p, v]) => withField(d, p, v), stacks[i]!), stackFromData));
    }), runs(300));
  });

  it("every mutated task profile is refused by name, or runs a session with finite results", () => {
    // Sessions run turn by turn: plausible turn counts mostly, the limit itself sometimes.
    const value = fc.oneof(
      { weight: 3, arbitrary: anyValue },
      { weight: 2, arbitrary: quantityText },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom(10_000, 10_001, 1e9) },
    );
    const edit = fc.nat({ max: tasks.length - 1 }).chain((i) => fc.tuple(fc.constant(i), fc.array(fc.tuple(fc.constantFrom(...taskLeaves[i]!), value), { minLength: 1, maxLength: 3 })));
    let sessions = 0;
    fc.assert(fc.property(edit, fc.boolean(), ([i, edits], gpu) => {
      const t = outcome("task", asFile("fuzz.yaml", edits.reduce<Record<string, unknown>>((d, [p, v]) => withField(d, p, v), tasks[i]!), taskFromData));
      if (!t.ok || sessions >= 25 * Math.max(1, runs(1).numRuns)) return;
      sessions++;
      outcome("session", () => simulateSession({ task: t.value, model: "codex-spark-proxy", hardware: gpu ? "nvidia-h200" : "cerebras-wse3", stack: "websocket" }));
    }), runs(300));
    expect(loadTask("swe-bench-pro").turns.value).toBeGreaterThan(0);
  });
});
