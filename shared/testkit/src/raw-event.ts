import { z } from "zod";
import { newId } from "@surge/platform/ids";
import { eventType, type EventType } from "@surge/platform/events/event-type";
import type { EventMetadata } from "@surge/platform/events/metadata";
import type { NewEvent } from "@surge/platform/eventstore/types";
import { cartEventTypes } from "@surge/areas/cart/events";
import { productEventTypes } from "@surge/areas/catalog/events";
import { couponClaimEventTypes } from "@surge/areas/coupons/claim-events";
import { couponEventTypes } from "@surge/areas/coupons/coupon-events";
import { likeEventTypes, ProductViewsCounted } from "@surge/areas/engagement/events";
import { orderEventTypes } from "@surge/areas/orders/events";
import { saleEventTypes } from "@surge/areas/sales/events";
import { walletEventTypes } from "@surge/areas/wallet/events";

const areaTypes = new Map<string, EventType>(
  [
    ...productEventTypes,
    ...saleEventTypes,
    ...orderEventTypes,
    ...walletEventTypes,
    ...couponEventTypes,
    ...couponClaimEventTypes,
    ...cartEventTypes,
    ...likeEventTypes,
    ProductViewsCounted,
  ].map((t) => [t.type, t]),
);

/** The areas' event type of that name: test data that names its events is checked on append as command-api's is. */
export function eventTypeNamed(type: string): EventType {
  const found = areaTypes.get(type);
  if (!found) throw new Error(`no area has an event type ${type}; use uncheckedType for an event no command writes`);
  return found;
}

/**
 * A type whose schema takes any data: only for tests that must put into the log what no command
 * writes (a type no area knows, a payload its schema rejects) to see how readers cope with it.
 */
export const uncheckedType = (type: string): EventType => eventType(type, z.unknown());

export interface RawEventOptions {
  /** occurredAt: now unless given. */
  at?: string | Date;
  eventId?: string;
  tag?: string;
  userId?: string | null;
  correlationId?: string;
}

/** Metadata as a command without a cause appends it: a fresh correlation id, no user unless given. */
export function rawMetadata(opts: Omit<RawEventOptions, "eventId" | "tag"> = {}): EventMetadata {
  const at = opts.at ?? new Date();
  return {
    correlationId: opts.correlationId ?? newId(),
    causationId: null,
    userId: opts.userId ?? null,
    occurredAt: typeof at === "string" ? at : at.toISOString(),
  };
}

/**
 * An event built by hand, to append straight to the store where a test needs exact control (times,
 * ids, impossible histories). A type given by name is the area's type of that name, so the store
 * checks the data on append as it checks command-api's; given a type, the compiler checks the data too.
 */
export function rawEvent<E extends EventType>(type: E, data: z.output<E["schema"]>, opts?: RawEventOptions): NewEvent<E>;
export function rawEvent(type: string, data: unknown, opts?: RawEventOptions): NewEvent;
export function rawEvent(type: string | EventType, data: unknown, opts: RawEventOptions = {}): NewEvent {
  const { eventId, tag, ...meta } = opts;
  const bound = typeof type === "string" ? eventTypeNamed(type) : type;
  return { ...(eventId ? { eventId } : {}), eventType: bound, data, metadata: rawMetadata(meta), ...(tag ? { tag } : {}) };
}
