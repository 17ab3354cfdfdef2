import { streamCategory } from "../eventstore/types.js";

/** Aggregate categories (stream id before the first "-"), one topic each. */
export const EVENT_CATEGORIES = ["coupon", "claim", "product", "event", "order", "wallet"] as const;

/**
 * Streams of any other category still go somewhere the projector reads: skipping them would break
 * the projector's "every position ≤ watermark was delivered" reasoning.
 */
export const OTHER_CATEGORY = "other";

export const eventTopic = (category: string) => `surge.${category}.events`;

/** Every topic the relay writes events and watermarks to, and the projector reads. */
export const EVENT_TOPICS: readonly string[] = [...EVENT_CATEGORIES, OTHER_CATEGORY].map(eventTopic);

/** Poison events the projector gave up on, with the error (not read by the projector). */
export const DEAD_LETTER_TOPIC = "surge.dlt";

const known = new Set<string>(EVENT_CATEGORIES);

/** The topic of a stream's events. One key (the stream id) → one partition: a stream stays in order. */
export function topicForStream(streamId: string): string {
  const category = streamCategory(streamId);
  return eventTopic(known.has(category) ? category : OTHER_CATEGORY);
}
