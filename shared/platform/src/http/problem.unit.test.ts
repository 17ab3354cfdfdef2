import { describe, expect, it } from "vitest";
import { AppendOutcomeUnknownError } from "../errors.js";
import { problemStatus, toAppError } from "./problem.js";

describe("toAppError", () => {
  it("an append the store could not settle is 503 with Retry-After, not a 500", () => {
    const err = toAppError(new AppendOutcomeUnknownError(["wallet-u1"], new Error("Connection lost")));
    expect({ code: err.code, status: problemStatus[err.code], retryAfterS: err.retryAfterS }).toEqual({ code: "UNAVAILABLE", status: 503, retryAfterS: 1 });
  });

  it("anything else unknown is a 500 that leaks nothing", () => {
    const err = toAppError(new Error("secret detail"));
    expect({ code: err.code, message: err.message }).toEqual({ code: "INTERNAL", message: "An unexpected error occurred." });
  });
});
