import { inputError } from "../errors.js";
import type { Prediction } from "../engine/predict.js";

/**
 * The serving-stack hook: a scenario's `stack` key is passed to `applyStack(prediction,
 * stackRef)` from src/stack/index.ts (the serving-stack module). It is looked up at run time
 * so that scenarios without `stack` never load it, and a missing module is a clear input
 * error rather than a crash.
 */
export type ApplyStack = (prediction: Prediction, stackRef: string) => unknown;

let loaded: ApplyStack | undefined;

export async function loadApplyStack(): Promise<ApplyStack> {
  if (loaded) return loaded;
  const url = new URL("../stack/index.js", import.meta.url).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw inputError({ file: "stack", path: "", problem: "the serving-stack module (src/stack/index.ts) is not available in this build", expected: "a scenario without `stack`, or a build that includes src/stack" }, err);
  }
  const fn = mod["applyStack"];
  if (typeof fn !== "function") throw inputError({ file: "stack", path: "", problem: "src/stack/index.ts does not export applyStack(prediction, stackRef)", expected: "the serving-stack module's applyStack" });
  loaded = fn as ApplyStack;
  return loaded;
}
