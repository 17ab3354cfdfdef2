import { couponEventTypes, couponStream, type CouponDefinition, type Discount } from "./coupon-events.js";
import { decideCoupon, initialCouponState } from "./coupon.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { newId } from "@surge/platform/ids";
import { ConcurrencyError } from "@surge/platform/errors";
import { appendEndPosition, replayOf } from "@surge/platform/command/replay";
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

/** `couponId` is derived from the request's Idempotency-Key when it has one (see createdIdFor). */
export async function createCoupon(
  deps: { store: EventStore; definitions: CouponDefinitions },
  input: CreateCouponInput,
  ctx: CommandContext,
  couponId = newId(),
): Promise<{ coupon: CouponDefinition; position: number; replayed: boolean }> {
  const definition: CouponDefinition = {
    couponId,
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
  try {
    const appended = await deps.store.append(couponStream(couponId), "no_stream", bindEvents(couponEventTypes, events, { metadata: metadataFor(ctx) }));
    deps.definitions.remember(definition);
    return { coupon: definition, position: appended.lastPosition, replayed: false };
  } catch (err) {
    // The key created this coupon before: answer as then (or 422 for another body).
    const [first] = err instanceof ConcurrencyError ? await deps.store.readStream(couponStream(couponId), { toVersion: 1 }) : [];
    const created = replayOf(first, ctx);
    if (!created) throw err;
    return { coupon: created.data as CouponDefinition, position: await appendEndPosition(deps.store, created), replayed: true };
  }
}
