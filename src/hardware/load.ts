import { InputError, type Issue } from "../errors.js";
import { cachedDescription } from "../io/cache.js";
import { parseData } from "../io/read.js";
import { resolveRef } from "../registry.js";
import { validate } from "../schema/spec.js";
import { HARDWARE_SPEC } from "./schema.js";
import type { Hardware } from "./types.js";

/** Loads a hardware description by id (models/hardware/<id>.yaml) or path. */
export function loadHardware(ref: string): Hardware {
  const file = resolveRef("hardware", ref, "--hardware");
  return cachedDescription(file, "hardware", (text) => hardwareFromData(file, parseData(file, text)));
}

export function hardwareFromData(file: string, data: unknown): Hardware {
  const issues: Issue[] = [];
  const hw = validate(HARDWARE_SPEC, data, file, "", issues) as Omit<Hardware, "file"> | undefined;
  if (hw) {
    if (hw.kind === "wafer" && !hw.mesh) issues.push({ file, path: "mesh", problem: "missing", expected: "the mesh of a wafer (cores, width, height, sramPerCore, fabricBandwidth)" });
    if (hw.kind === "wafer" && hw.memory?.kind !== "sram") issues.push({ file, path: "memory.kind", problem: "a wafer keeps weights in SRAM", got: String(hw.memory?.kind), expected: "sram" });
    if (hw.kind === "wafer" && hw.mesh) meshConsistency(file, hw, issues);
    if (hw.kind === "gpu" && hw.mesh) issues.push({ file, path: "mesh", problem: "only wafers have a mesh", expected: "no mesh for a GPU" });
    if (hw.kind === "gpu" && !hw.interconnect?.scaleUp) issues.push({ file, path: "interconnect.scaleUp", problem: "missing", expected: "the GPU's NVLink domain" });
  }
  if (issues.length > 0 || !hw) throw new InputError(issues);
  return { ...hw, file };
}

/**
 * One source of truth for a wafer: the usable mesh is width x height cores, and the SRAM is
 * those cores times each core's SRAM. A file whose figures disagree (a marketed core count
 * beside a measured grid, a rounded capacity) is refused by name rather than silently using one.
 */
function meshConsistency(file: string, hw: Omit<Hardware, "file">, issues: Issue[]): void {
  const m = hw.mesh!;
  const cores = m.cores.value;
  if (m.width && m.height && m.width.value * m.height.value !== cores) {
    issues.push({ file, path: "mesh.cores", problem: "is not mesh.width x mesh.height", got: String(cores), expected: `${m.width.value} x ${m.height.value} = ${m.width.value * m.height.value}` });
  }
  const sram = cores * m.sramPerCore.value;
  const capacity = hw.memory.capacity.value;
  // Stated capacities are rounded to four significant figures: allow half a percent.
  if (Math.abs(capacity - sram) > 0.005 * sram) {
    issues.push({ file, path: "memory.capacity", problem: "disagrees with mesh.cores x mesh.sramPerCore", got: `${(capacity / 1e9).toPrecision(4)} GB`, expected: `${(sram / 1e9).toPrecision(4)} GB (${cores} x ${m.sramPerCore.value} B), within 0.5%` });
  }
}
