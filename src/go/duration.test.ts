import { expect, test } from "vitest";
import { formatDuration } from "./duration.ts";

test("durations print as Go's time.Duration does", () => {
  expect(formatDuration(0n)).toBe("0s");
  expect(formatDuration(1_000_000_000n)).toBe("1s");
  expect(formatDuration(90_000_000_000n)).toBe("1m30s");
  expect(formatDuration(3_600_000_000_000n)).toBe("1h0m0s");
  expect(formatDuration(-2_000_000_000n)).toBe("-2s");
  expect(formatDuration(1_500_000n)).toBe("1.5ms");
  expect(formatDuration(-9223372036854775808n)).toBe("-2562047h47m16.854775808s");
});
