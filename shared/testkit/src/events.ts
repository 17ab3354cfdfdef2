import { z } from "zod";
import { eventType, type EventType } from "@surge/platform/events/event-type";
import type { NewEvent, Stamp } from "@surge/platform/eventstore/types";
import { productEventTypes } from "@surge/areas/catalog/events";
import { couponClaimEventTypes } from "@surge/areas/coupons/claim-events";
import { couponEventTypes } from "@surge/areas/coupons/coupon-events";
import { orderEventTypes } from "@surge/areas/orders/events";
import { saleEventTypes } from "@surge/areas/sales/events";
import { walletEventTypes } from "@surge/areas/wallet/events";

const areaTypes = new Map<string, EventType>(
  [...productEventTypes, ...saleEventTypes, ...orderEventTypes, ...walletEventTypes, ...couponEventTypes, ...couponClaimEventTypes].map((t) => [t.type, t]),
);

/** The areas' event type of that name: test data that names its events is checked on append as command-api's is. */
export function eventTypeNamed(type: string): EventType {
  const found = areaTypes.get(type);
  if (!found) throw new Error(`no area has an event type ${type}; use uncheckedType for an event no command writes`);
  return found;
}

/** An event of the area type named `type`. */
export const eventNamed = (type: string, data: unknown, stamp: Stamp & { eventId?: string }): NewEvent => ({ ...stamp, eventType: eventTypeNamed(type), data });

/**
 * A type whose schema takes any data: only for tests that must put into the log what no command
 * writes (a type no area knows, a payload its schema rejects) to see how readers cope with it.
 */
export const uncheckedType = (type: string): EventType => eventType(type, z.unknown());
