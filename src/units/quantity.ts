/**
 * Branded SI quantities. Inside the engine every physical number is a plain SI `number`
 * carrying a compile-time brand, so `Seconds + Bytes` through the helpers below does not
 * compile. Brands cost nothing at run time.
 */
declare const unitBrand: unique symbol;

/** A number in the SI unit `U` (bytes, seconds, FLOP, ...). */
export type Quantity<U extends string> = number & { readonly [unitBrand]: U };

export type Bytes = Quantity<"B">;
export type Seconds = Quantity<"s">;
export type Flop = Quantity<"FLOP">;
export type BytesPerSecond = Quantity<"B/s">;
export type FlopPerSecond = Quantity<"FLOP/s">;
export type Watts = Quantity<"W">;
export type Hertz = Quantity<"Hz">;
/** A dimensionless count (cores, devices, hops). */
export type Count = Quantity<"1">;

export const bytes = (n: number): Bytes => n as Bytes;
export const seconds = (n: number): Seconds => n as Seconds;
export const flop = (n: number): Flop => n as Flop;
export const bytesPerSecond = (n: number): BytesPerSecond => n as BytesPerSecond;
export const flopPerSecond = (n: number): FlopPerSecond => n as FlopPerSecond;
export const count = (n: number): Count => n as Count;

/** Sum of quantities of one unit; mixing units is a compile error. */
export function add<U extends string>(a: Quantity<U>, b: Quantity<NoInfer<U>>): Quantity<U> {
  return (a + b) as Quantity<U>;
}

/** A quantity times a dimensionless factor keeps its unit. */
export function scale<U extends string>(a: Quantity<U>, factor: number): Quantity<U> {
  return (a * factor) as Quantity<U>;
}

/** Time to move `amount` bytes at `rate` bytes per second. */
export function transferTime(amount: Bytes, rate: BytesPerSecond): Seconds {
  return (amount / rate) as Seconds;
}

/** Time to perform `work` FLOP at `rate` FLOP per second. */
export function computeTime(work: Flop, rate: FlopPerSecond): Seconds {
  return (work / rate) as Seconds;
}

/** The larger of two quantities of one unit. */
export function max<U extends string>(a: Quantity<U>, b: Quantity<NoInfer<U>>): Quantity<U> {
  return (a > b ? a : b) as Quantity<U>;
}
