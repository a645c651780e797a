import { LIMITS, type Limit } from "../schema/limits.js";
import { ID_FIELD, sourced, type Field, type Spec } from "../schema/spec.js";

const qty = (dim: "bytes" | "bandwidth" | "compute" | "time" | "power" | "frequency"): Spec => ({ t: "quantity", dim });
/** Cores, rows, columns, chips: whole numbers from 1 to a named limit. */
const count = (limit: Limit): Spec => ({ t: "number", integer: true, min: 1, limit });

export const PRECISION_KEYS = ["bf16", "fp8", "int8", "fp4", "int4"] as const;

/** The shape of models/hardware/*.yaml. One file per device; one system = one chip. */
export const HARDWARE_SPEC: Spec = {
  t: "object",
  doc: "A chip (one GPU, or one wafer in one CS system) and how chips connect.",
  fields: {
    id: ID_FIELD,
    name: { t: "string" },
    kind: { t: "string", enum: ["wafer", "gpu"], doc: "wafer: weights in on-chip SRAM, decode latency-bound; gpu: HBM roofline" },
    vendor: { t: "string" },
    summary: { t: "string", optional: true },
    memory: {
      t: "object",
      doc: "where the weights and KV cache live during decode",
      fields: {
        kind: { t: "string", enum: ["sram", "hbm"] },
        capacity: sourced(qty("bytes"), "memory per chip"),
        bandwidth: sourced(qty("bandwidth"), "memory bandwidth per chip"),
      },
    },
    compute: {
      t: "object",
      doc: "peak dense compute per chip by precision (dense, not sparse)",
      fields: {
        bf16: sourced(qty("compute"), "peak dense bf16"),
        fp8: sourced(qty("compute"), "peak dense fp8", true),
        int8: sourced(qty("compute"), "peak dense int8", true),
        fp4: sourced(qty("compute"), "peak dense fp4", true),
      },
    },
    mesh: {
      t: "object",
      optional: true,
      doc: "the on-wafer 2D mesh of processing elements (wafer only)",
      fields: {
        cores: sourced(count(LIMITS.cores), "processing elements on the wafer"),
        width: sourced(count(LIMITS.cores), "processing elements across the usable fabric (columns)", true),
        height: sourced(count(LIMITS.cores), "processing elements down the usable fabric (rows)", true),
        sramPerCore: sourced(qty("bytes"), "local SRAM per processing element"),
        fabricBandwidth: sourced(qty("bandwidth"), "aggregate on-wafer fabric bandwidth"),
        clock: sourced(qty("frequency"), "core clock", true),
      },
    },
    interconnect: {
      t: "object",
      doc: "how chips connect to each other",
      fields: {
        scaleUp: {
          t: "object",
          optional: true,
          doc: "a fast domain of several chips (NVLink within a node)",
          fields: {
            name: { t: "string" },
            devices: sourced(count(LIMITS.chips), "chips in one scale-up domain"),
            bandwidth: sourced(qty("bandwidth"), "per-chip bandwidth into the domain (one direction)"),
          },
        },
        scaleOut: {
          t: "object",
          doc: "links between scale-up domains or between wafers",
          fields: {
            name: { t: "string" },
            bandwidth: sourced(qty("bandwidth"), "per-chip (per-system for wafers) bandwidth to other chips, one direction"),
          },
        },
      },
    },
    power: sourced(qty("power"), "board or system power", true),
  },
};
