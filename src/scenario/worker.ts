import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../errors.js";
import { loadScenario } from "./load.js";
import { body, columnsOf, layoutOf, type Layout } from "./output.js";
import { makePlan, type Plan } from "./plan.js";
import type { WorkerSetup } from "./sweep.js";

/**
 * A sweep worker (node:worker_threads): loads the scenario once, then renders the rows of
 * each range of points it is sent: text formats as UTF-8 bytes, Parquet as columns. Buffers
 * are handed over without a copy; the parent writes them in order.
 */
interface Job { readonly id: number; readonly start: number; readonly end: number }

const setup = workerData as WorkerSetup;
const port = parentPort!;
const ready: Promise<{ plan: Plan; layout: Layout } | { failed: unknown }> = (async () => {
  const plan = await makePlan(loadScenario(setup.file, setup.layers, { maxPoints: setup.maxPoints }));
  const layout = layoutOf(plan, setup.format, setup.columns);
  plan.only(layout.metrics); // compute only what is written
  return { plan, layout };
})().catch((err: unknown) => ({ failed: err }));

port.on("message", async (job: Job) => {
  const r = await ready;
  try {
    if ("failed" in r) throw r.failed;
    if (setup.format === "parquet") {
      const chunk = columnsOf(r.plan, r.layout, job.start, job.end);
      port.postMessage({ id: job.id, chunk }, [...chunk.axes.map((a) => a.buffer), ...chunk.values.map((v) => v.buffer)]);
      return;
    }
    // Encoded here, in parallel, and handed over without a copy (a small Buffer shares Node's pool: copied out).
    const bytes = Buffer.from(body(r.plan, r.layout, job.start, job.end), "utf8");
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? new Uint8Array(bytes.buffer as ArrayBuffer) : Uint8Array.from(bytes);
    port.postMessage({ id: job.id, bytes: owned }, [owned.buffer]);
  } catch (err) {
    if (err instanceof InputError) port.postMessage({ id: job.id, issues: err.issues });
    else port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
