/**
 * The physical dimensions a data file may use, the SI unit each is stored in, and an
 * example for error messages. Bandwidths may be written in bits ("214 Pb/s") and are
 * stored in bytes per second.
 *
 * `range` is the plausible magnitude of a value, in SI: a guard rail, not a figure from the
 * world. Each spans many orders of magnitude beyond the shipped hardware in both directions
 * (`why`), so every what-if stays inside, while a typo or a hostile value (a bandwidth of
 * 1e-300 B/s made the time per token NaN; "x1e308" overflowed to Infinity) is refused where it
 * is read. Zero, where a field allows it, is checked separately.
 */
export const DIMENSIONS = {
  bytes: { si: "B", example: "44 GB", label: "a size in bytes (B, kB, MB, GB, TB; GiB for binary)", range: { min: 1, max: 1e18, text: "1 B to 1 EB", why: "1 EB is the HBM of 5 million B200s (192 GB each)" } },
  bandwidth: { si: "B/s", example: "21 PB/s", label: "a bandwidth (bytes or bits per time, e.g. GB/s, Tb/s)", range: { min: 1, max: 1e21, text: "1 B/s to 1 ZB/s", why: "1 ZB/s is about 50,000 times WSE-3's 21 PB/s of SRAM bandwidth" } },
  time: { si: "s", example: "2.5 us", label: "a time (s, ms, us, ns)", range: { min: 1e-15, max: 1e6, text: "1 fs to 1,000,000 s", why: "1 fs is a millionth of a 1 GHz clock cycle; 1,000,000 s is 11.6 days" } },
  compute: { si: "FLOP/s", example: "989 TFLOP/s", label: "a compute rate (FLOP/s, TFLOP/s, PFLOP/s)", range: { min: 1, max: 1e21, text: "1 FLOP/s to 1 ZFLOP/s", why: "1 ZFLOP/s is 8,000 times WSE-3's 125 PFLOP/s" } },
  power: { si: "W", example: "700 W", label: "a power (W, kW)", range: { min: 1e-3, max: 1e9, text: "1 mW to 1 GW", why: "1 GW is over a million 700 W GPUs" } },
  frequency: { si: "Hz", example: "1.1 GHz", label: "a frequency (Hz, MHz, GHz)", range: { min: 1, max: 1e12, text: "1 Hz to 1 THz", why: "1 THz is about 500 times a 2 GHz chip clock" } },
} as const;

export type Dimension = keyof typeof DIMENSIONS;
