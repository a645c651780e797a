import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issuesOfAsync } from "../helpers.js";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/index.js";
import { getParam } from "../../src/engine/parameters.js";
import { loadScenario } from "../../src/scenario/load.js";
import { makePlan } from "../../src/scenario/plan.js";
import { scenarioJsonSchema } from "../../src/scenario/schema.js";

function file(text: string): string {
  const d = mkdtempSync(join(tmpdir(), "wafersim-relative-"));
  const f = join(d, "s.yaml");
  writeFileSync(f, text);
  return f;
}

const issuesOf = issuesOfAsync;

const BASE = "model: llama-3.1-70b\nhardware: cerebras-wse3\nprecision: bf16\n";

/** The prepared deployment of a one-point scenario. */
async function prepared(text: string) {
  const plan = await makePlan(loadScenario(file(text)));
  plan.prepareAll();
  return plan.point(0).context.prepared;
}

describe("relative overrides: x<factor> times the deployment's own value", () => {
  it("parameters.hopLatency: x0.5 is half the fitted value, whatever it is", async () => {
    const fitted = getParam((await prepared(BASE)).params, "hopLatency")!;
    const half = await prepared(`${BASE}parameters.hopLatency: x0.5\n`);
    // x0.5: exactly half of the value in models/params (a multiplication by 0.5 is exact in binary)
    expect(getParam(half.params, "hopLatency")).toBe(fitted * 0.5);
    expect(half.parameterSet.values["hopLatency"]!.text).toMatch(/^x0\.5 of /);
  });

  it("hardware.memory.capacity: x2 doubles the figure (43.90 GB -> 87.8 GB) and records it as a what-if", async () => {
    const base = (await prepared(BASE)).hardware.memory.capacity.value;
    const hw = (await prepared(`${BASE}hardware.memory.capacity: x2\n`)).hardware;
    expect(hw.memory.capacity.value).toBe(2 * base);
    expect(hw.memory.capacity.kind).toBe("what-if");
    expect(hw.memory.capacity.text).toBe("x2 of 43.90 GB");
  });

  it("model.config.num_hidden_layers: x0.5 halves Llama 3.1 70B's 80 layers to 40", async () => {
    const m = (await prepared(`${BASE}model.config.num_hidden_layers: x0.5\n`)).model;
    expect(m.name).toMatch(/num_hidden_layers=40 \(x0\.5 of 80\)/);
  });

  it("a relative range expands to factors, log-spaced, and solve refines the factor", async () => {
    const sc = loadScenario(file(`${BASE}sweep:\n  parameters.hopLatency: {from: x0.125, to: x4, steps: 6, scale: log}\n`));
    // 0.125 x 32^(i/5) = 0.125 x 2^i
    expect(sc.axes[0]!.texts).toEqual(["x0.125", "x0.25", "x0.5", "x1", "x2", "x4"]);
    expect(sc.axes[0]!.values).toEqual([0.125, 0.25, 0.5, 1, 2, 4].map((times) => ({ times })));
  });

  it("the JSON Schema documents the relative form", () => {
    expect(JSON.stringify(scenarioJsonSchema())).toMatch(/x<factor>/);
  });
});

describe("relative overrides: strict errors", () => {
  const cases = [
    { text: `${BASE}parameters.hopLatency: x0\n`, path: "parameters.hopLatency", problem: /above zero/ },
    { text: `${BASE}parameters.hopLatency: x-1\n`, path: "parameters.hopLatency", problem: /not a relative value/ },
    { text: `${BASE}parameters.hopLatency: 2x\n`, path: "parameters.hopLatency", problem: /not a relative value/ },
    { text: `${BASE}parameters.hopLatency: X2\n`, path: "parameters.hopLatency", problem: /not a relative value/ },
    { text: `${BASE}hardware.memory.capacity: "x 2"\n`, path: "hardware.memory.capacity", problem: /not a relative value/ },
    { text: `${BASE}batch: x2\n`, path: "batch", problem: /relative values apply to what-if overrides only/ },
    { text: `${BASE}hardware.name: x2\n`, path: "hardware.name", problem: /needs a numeric field/ },
    { text: `${BASE}sweep:\n  parameters.hopLatency: {from: x0.5, to: 2 ns, steps: 3}\n`, path: "sweep.parameters.hopLatency.to", problem: /one end relative/ },
    { text: `${BASE}sweep:\n  parameters.hopLatency: [x1, x0]\n`, path: "sweep.parameters.hopLatency[1]", problem: /above zero/ },
  ];
  it.each(cases)("$path: $problem", async ({ text, path, problem }) => {
    const f = file(text);
    const issues = await issuesOf(() => loadScenario(f));
    const hit = issues.find((i) => i.path === path);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.file).toBe(f);
    expect(hit!.problem).toMatch(problem);
    expect(hit!.expected).toBeDefined();
  });

  const applied = [
    // 80 layers x 0.33 = 26.4
    { text: `${BASE}model.config.num_hidden_layers: x0.33\n`, path: "model.config.num_hidden_layers", problem: /x0\.33 of 80 is 26\.4.*, not a whole number/ },
    { text: `${BASE}model.config.hidden_act: x2\n`, path: "model.config.hidden_act", problem: /needs a number to scale/ },
    { text: `${BASE}parameters.sramEfficiency: x1000\n`, path: "parameters.sramEfficiency", problem: /above 1/ },
  ];
  it.each(applied)("when the deployment is built: $path: $problem", async ({ text, path, problem }) => {
    const f = file(text);
    const plan = await makePlan(loadScenario(f));
    const issues = await issuesOf(() => plan.prepareAll());
    const hit = issues.find((i) => i.path === path);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.file).toBe(f);
    expect(hit!.problem).toMatch(problem);
  });
});
