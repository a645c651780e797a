import { readFileSync } from "node:fs";
import type { Prepared } from "../engine/predict.js";

/**
 * What a results file rests on, for whoever reads it later (a chart names it in its source
 * line): the program version, the models and hardware, and each fitted parameter set with the
 * provenance it was stored with. `run --json` writes it as `provenance`; sweep outputs record
 * the same object.
 */
export interface RunProvenance {
  readonly wafersim: string;
  readonly models: readonly string[];
  readonly hardware: readonly string[];
  /** each (software set, hardware) once, with its method and date: the version of the calibration */
  readonly parameterSets: readonly { readonly software: string; readonly hardware: string; readonly method: string; readonly date: string }[];
}

/** The package's version: dist/scenario/ and src/scenario/ both sit two folders below package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** The provenance of results computed from these deployments. */
export function provenanceOf(deployments: Iterable<Prepared>): RunProvenance {
  const models = new Set<string>();
  const hardware = new Set<string>();
  const sets = new Map<string, RunProvenance["parameterSets"][number]>();
  for (const pr of deployments) {
    models.add(pr.model.id);
    hardware.add(pr.hardware.id);
    const ps = pr.parameterSet;
    sets.set(`${ps.software.id}/${pr.hardware.id}`, { software: ps.software.id, hardware: pr.hardware.id, method: ps.provenance.method, date: ps.provenance.date });
  }
  return { wafersim: packageVersion(), models: [...models], hardware: [...hardware], parameterSets: [...sets.values()] };
}
