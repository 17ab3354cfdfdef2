import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { StreamSlots } from "./stream-slots.js";

const from = (client: string) => ({ client }) as unknown as Context;
const refusal = (take: () => unknown) => {
  try {
    take();
  } catch (err) {
    return err instanceof AppError ? `${err.code} ${err.retryAfterS}` : String(err);
  }
  return "taken";
};

describe("StreamSlots", () => {
  it("caps streams per client and in all; a freed slot (freed once, however often called) can be taken again", () => {
    const slots = new StreamSlots({ perClient: 2, total: 3 }, (c) => (c as unknown as { client: string }).client);
    const a1 = slots.take(from("a"));
    slots.take(from("a"));
    expect(refusal(() => slots.take(from("a")))).toBe("RATE_LIMITED 5");
    slots.take(from("b"));
    expect(refusal(() => slots.take(from("c")))).toBe("RATE_LIMITED 5");
    a1();
    a1();
    expect(refusal(() => slots.take(from("c")))).toBe("taken");
    expect(refusal(() => slots.take(from("a")))).toBe("RATE_LIMITED 5");
  });
});
