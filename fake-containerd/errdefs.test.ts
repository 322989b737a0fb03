import { describe, expect, test } from "vitest";
import { expectedError, isNotFound, notFound } from "./errdefs.ts";

describe("expectedError", () => {
  test("reads as the error of that kind would, and leaves the stack limit as it was", () => {
    const limit = Error.stackTraceLimit;
    const error = expectedError("not found", "process already finished");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(isNotFound(error)).toBe(true);
    expect(error.message).toBe(notFound("process already finished").message);
    expect(error.name).toBe("ContainerdError");
  });
});
