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
    if (hw.kind === "gpu" && hw.mesh) issues.push({ file, path: "mesh", problem: "only wafers have a mesh", expected: "no mesh for a GPU" });
    if (hw.kind === "gpu" && !hw.interconnect?.scaleUp) issues.push({ file, path: "interconnect.scaleUp", problem: "missing", expected: "the GPU's NVLink domain" });
  }
  if (issues.length > 0 || !hw) throw new InputError(issues);
  return { ...hw, file };
}
