import { describe, expectTypeOf, it } from "vitest";
import type { Bytes, BytesPerSecond, Quantity, Seconds } from "../../src/index.js";

// The branded quantity types are public API (src/index.ts). The helpers beside them in
// src/units/quantity.ts (add, transferTime, ...) are called by no source, so they are not tested.
// Type-level: `npm test` runs tsc --noEmit over tests/ first, and an @ts-expect-error that is not
// an error (units mixed without complaint) fails it; expectTypeOf is checked by tsc too.
describe("branded quantities", () => {
  it("do not mix: seconds are not bytes, and a plain number is neither", () => {
    expectTypeOf<Bytes>().not.toEqualTypeOf<Seconds>();
    expectTypeOf<Seconds>().not.toMatchTypeOf<Bytes>();
    expectTypeOf<BytesPerSecond>().not.toMatchTypeOf<Bytes>();
    expectTypeOf<number>().not.toMatchTypeOf<Seconds>();
    // a quantity is still a number for arithmetic
    expectTypeOf<Seconds>().toMatchTypeOf<number>();
    expectTypeOf<Quantity<"s">>().toEqualTypeOf<Seconds>();
  });

  it("a Bytes value cannot be assigned where Seconds are expected", () => {
    const asSeconds = (s: Seconds): Seconds => s;
    // @ts-expect-error bytes are not seconds
    expectTypeOf(asSeconds).toBeCallableWith(0 as Bytes);
    // @ts-expect-error a plain number is not Seconds
    expectTypeOf(asSeconds).toBeCallableWith(1.5);
    expectTypeOf(asSeconds).toBeCallableWith(0 as Seconds);
  });
});
