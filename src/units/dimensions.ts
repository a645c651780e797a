/**
 * The physical dimensions a data file may use, the SI unit each is stored in, and an
 * example for error messages. Bandwidths may be written in bits ("214 Pb/s") and are
 * stored in bytes per second.
 */
export const DIMENSIONS = {
  bytes: { si: "B", example: "44 GB", label: "a size in bytes (B, kB, MB, GB, TB; GiB for binary)" },
  bandwidth: { si: "B/s", example: "21 PB/s", label: "a bandwidth (bytes or bits per time, e.g. GB/s, Tb/s)" },
  time: { si: "s", example: "2.5 us", label: "a time (s, ms, us, ns)" },
  compute: { si: "FLOP/s", example: "989 TFLOP/s", label: "a compute rate (FLOP/s, TFLOP/s, PFLOP/s)" },
  power: { si: "W", example: "700 W", label: "a power (W, kW)" },
  frequency: { si: "Hz", example: "1.1 GHz", label: "a frequency (Hz, MHz, GHz)" },
} as const;

export type Dimension = keyof typeof DIMENSIONS;
