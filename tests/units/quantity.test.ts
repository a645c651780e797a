import { describe, expect, expectTypeOf, it } from "vitest";
import { add, bytes, bytesPerSecond, seconds, transferTime, type Seconds } from "../../src/units/quantity.js";

describe("branded quantities", () => {
  it("adds like units and derives time from bytes and bandwidth", () => {
    const t = add(seconds(1), seconds(2));
    expect(t).toBe(3);
    // 16.06 GB at 3.35 TB/s = 4.794 ms
    expect(transferTime(bytes(16.06e9), bytesPerSecond(3.35e12))).toBeWithinRel(16.06e9 / 3.35e12, 1e-12);
  });

  // Type-level: `npm test` runs tsc --noEmit over tests/ first, and an @ts-expect-error that is not
  // an error (the units mixed without complaint) fails it; expectTypeOf is checked by tsc too.
  it("does not compile when seconds are added to bytes", () => {
    // @ts-expect-error Seconds + Bytes is a unit error
    add(seconds(1), bytes(1));
    // @ts-expect-error a plain number is not Seconds
    const s: Seconds = 1.5;
    // @ts-expect-error bytes are not seconds
    const t: Seconds = bytes(3);
    void [s, t];
    expectTypeOf(bytes(3)).not.toEqualTypeOf<Seconds>();
    expectTypeOf(add(seconds(1), seconds(2))).toEqualTypeOf<Seconds>();
    expectTypeOf(transferTime(bytes(1), bytesPerSecond(1))).toEqualTypeOf<Seconds>();
  });
});
