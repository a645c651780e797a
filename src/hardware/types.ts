import type { Sourced } from "../schema/spec.js";

export type HardwareKind = "wafer" | "gpu";
export type ComputePrecision = "bf16" | "fp8" | "int8" | "fp4";

/** A validated hardware description; every physical number in SI with its source. */
export interface Hardware {
  readonly id: string;
  readonly name: string;
  readonly kind: HardwareKind;
  readonly vendor: string;
  readonly summary?: string;
  /** The file it was read from. */
  readonly file: string;
  readonly memory: {
    readonly kind: "sram" | "hbm";
    /** bytes per chip */
    readonly capacity: Sourced;
    /** bytes per second per chip */
    readonly bandwidth: Sourced;
  };
  /** peak dense FLOP/s per chip by precision */
  readonly compute: { readonly bf16: Sourced } & Partial<Record<Exclude<ComputePrecision, "bf16">, Sourced>>;
  readonly mesh?: {
    readonly cores: Sourced;
    readonly width?: Sourced;
    readonly height?: Sourced;
    readonly sramPerCore: Sourced;
    readonly fabricBandwidth: Sourced;
    readonly clock?: Sourced;
  };
  readonly interconnect: {
    readonly scaleUp?: { readonly name: string; readonly devices: Sourced; readonly bandwidth: Sourced };
    readonly scaleOut: { readonly name: string; readonly bandwidth: Sourced };
  };
  readonly power?: Sourced;
}
