import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { instant } from "@surge/platform/events/schemas";

export const ProductLiked = eventType("ProductLiked", z.object({ productId: z.string(), userId: z.string(), likedAt: instant }));
export const ProductUnliked = eventType("ProductUnliked", z.object({ productId: z.string(), userId: z.string(), unlikedAt: instant }));
export const likeEventTypes = [ProductLiked, ProductUnliked] as const;
export type LikeEvent = EventOf<(typeof likeEventTypes)[number]>;

/**
 * Views are many and each is worth little: a command-api process counts the views it accepted and
 * appends one event per product and minute every flush, not one per view. `minute` is the start of
 * the minute they happened in; a business date always starts on a whole minute, so each such
 * event belongs to exactly one day.
 */
export const ProductViewsCounted = eventType("ProductViewsCounted", z.object({ productId: z.string(), views: z.number().int().positive(), minute: instant }));

/** One stream per (product, user): a user's likes of a product are decided alone, never against other users'. */
export const likeStream = (productId: string, userId: string) => `like-${productId}:${userId}`;
/** Every like event of a product carries this tag, so its count can be rebuilt from one index range. */
export const likesTag = (productId: string) => `likes:${productId}`;
export const viewsStream = (productId: string) => `views-${productId}`;
