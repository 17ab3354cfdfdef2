import { couponEventTypes, couponStream, type CouponDefinition, type Discount } from "./coupon-events.js";
import { decideCoupon, initialCouponState } from "./coupon.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { newId } from "@surge/platform/ids";
import { type EventStore } from "@surge/platform/eventstore/types";
import { bindEvents } from "@surge/platform/events/new-event";

import type { CouponDefinitions } from "./definitions.js";

export interface CreateCouponInput {
  name: string;
  discount: Discount;
  quantity: number;
  perUserLimit: number;
  minOrderAmount: number;
  claimOpensAt?: string | undefined;
  claimClosesAt?: string | undefined;
  validUntil?: string | undefined;
}

const utc = (iso: string | undefined) => (iso === undefined ? null : new Date(iso).toISOString());

export async function createCoupon(
  deps: { store: EventStore; definitions: CouponDefinitions },
  input: CreateCouponInput,
  ctx: CommandContext,
): Promise<{ coupon: CouponDefinition; position: number }> {
  const definition: CouponDefinition = {
    couponId: newId(),
    name: input.name,
    discount: input.discount,
    quantity: input.quantity,
    perUserLimit: input.perUserLimit,
    minOrderAmount: input.minOrderAmount,
    claimOpensAt: utc(input.claimOpensAt) ?? ctx.now.toISOString(),
    claimClosesAt: utc(input.claimClosesAt),
    validUntil: utc(input.validUntil),
  };
  const events = decideCoupon(initialCouponState(), { type: "CreateCoupon", definition });
  const appended = await deps.store.append(
    couponStream(definition.couponId),
    "no_stream",
    bindEvents(couponEventTypes, events, { metadata: metadataFor(ctx) }),
  );
  deps.definitions.remember(definition);
  return { coupon: definition, position: appended.lastPosition };
}
