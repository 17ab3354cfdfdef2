import { describe, expect, it } from "vitest";
import { specFor } from "@surge/platform/events/spec";
import { likeDecider } from "./like.js";
import type { LikeEvent } from "./events.js";

const spec = specFor(likeDecider);
const now = new Date("2026-11-21T09:00:00.000Z");
const cmd = (type: "Like" | "Unlike") => ({ type, productId: "p1", userId: "u1", now });
const liked: LikeEvent = { type: "ProductLiked", data: { productId: "p1", userId: "u1", likedAt: "2026-11-20T09:00:00.000Z" } };
const unliked: LikeEvent = { type: "ProductUnliked", data: { productId: "p1", userId: "u1", unlikedAt: "2026-11-20T10:00:00.000Z" } };

describe("like decider", () => {
  it("likes a product not liked yet", () => {
    expect(spec.given([]).when(cmd("Like"))).toEqual({
      events: [{ type: "ProductLiked", data: { productId: "p1", userId: "u1", likedAt: now.toISOString() } }],
    });
    expect(spec.given([liked, unliked]).when(cmd("Like"))).toMatchObject({ events: [{ type: "ProductLiked" }] });
  });

  it("likes once: a second like decides nothing", () => {
    expect(spec.given([liked]).when(cmd("Like"))).toEqual({ events: [] });
  });

  it("withdraws a like that is there, and only then", () => {
    expect(spec.given([liked]).when(cmd("Unlike"))).toEqual({
      events: [{ type: "ProductUnliked", data: { productId: "p1", userId: "u1", unlikedAt: now.toISOString() } }],
    });
    expect(spec.given([]).when(cmd("Unlike"))).toEqual({ events: [] });
    expect(spec.given([liked, unliked]).when(cmd("Unlike"))).toEqual({ events: [] });
  });
});
