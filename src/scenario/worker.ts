import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../errors.js";
import { loadScenario } from "./load.js";
import { body, type Format } from "./output.js";
import { makePlan, type Plan } from "./plan.js";

/**
 * A sweep worker (node:worker_threads): loads the scenario once, then renders the rows of
 * each range of points it is sent. Bodies are plain strings; the parent writes them in order.
 */
interface Job { readonly id: number; readonly start: number; readonly end: number }

const { file, format } = workerData as { file: string; format: Format };
const port = parentPort!;
const ready: Promise<Plan | { failed: unknown }> = (async () => makePlan(loadScenario(file)))().catch((err: unknown) => ({ failed: err }));

port.on("message", async (job: Job) => {
  const plan = await ready;
  try {
    if ("failed" in plan) throw plan.failed;
    // Encoded here, in parallel, and handed over without a copy.
    const bytes = Buffer.from(body(plan, format, job.start, job.end), "utf8");
    const owned = new Uint8Array(bytes.byteLength);
    owned.set(bytes);
    port.postMessage({ id: job.id, bytes: owned }, [owned.buffer]);
  } catch (err) {
    if (err instanceof InputError) port.postMessage({ id: job.id, issues: err.issues });
    else port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
