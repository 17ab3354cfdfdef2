import { AppendOutcomeUnknownError, AppError, FenceError, notFound, unavailable } from "@surge/platform/errors";
import { couponFenceKey, type ClaimVerdict, type CouponGuard } from "./guard.js";
import { CouponClaimed, couponStream, type CouponDefinition, type CouponEvent } from "./coupon-events.js";
import { decideCoupon } from "./coupon.js";
import { newId } from "@surge/platform/ids";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { replayOf } from "@surge/platform/command/replay";
import { type EventStore, type StoredEvent } from "@surge/platform/eventstore/types";
import { newEvent } from "@surge/platform/events/new-event";
import { type Logger } from "pino";
import type { Counter } from "prom-client";
import type { CouponDefinitions } from "./definitions.js";
import type { PendingToken } from "@surge/platform/redis/token-bucket";

export interface ClaimView {
  claimId: string;
  couponId: string;
  userId: string;
  status: "AVAILABLE";
  claimedAt: string;
  expiresAt: string | null;
}

export interface ClaimDeps {
  store: EventStore;
  guard: CouponGuard;
  definitions: CouponDefinitions;
  appendDeadlineMs: number;
  outcomes: Counter<"outcome">;
  logger: Logger;
}

/** The guard's counters become the decider's state, so the pure rules and the Lua script agree. */
function decide(def: CouponDefinition, verdict: ClaimVerdict, claimId: string, ctx: CommandContext) {
  return decideCoupon(
    { status: "defined", definition: def, claimed: verdict.claimedBefore },
    { type: "ClaimCoupon", claimId, userId: ctx.userId, now: ctx.now, claimsHeldByUser: verdict.heldBefore },
  );
}

/**
 * Claim path: the Lua guard takes a unit (and writes a ledger entry), the CouponClaimed event is
 * appended, and only then the client hears 201. An append that failed gives the unit back at
 * once; one that may have committed (AppendOutcomeUnknownError) leaves it to the sweeper.
 *
 * With an Idempotency-Key the claim id derives from it (`keyedClaimId`): a claim this key made
 * before is answered from the store, so a retry after Redis lost the key's record (and the guard's
 * state, rebuilt from the store) claims nothing twice, whatever the user's limit. Only keyed
 * claims pay for that read; the drop's unkeyed claims go straight to the guard.
 */
export async function claimCoupon(
  deps: ClaimDeps,
  couponId: string,
  ctx: CommandContext,
  keyedClaimId?: string,
): Promise<{ claim: ClaimView; position: number; replayed: boolean }> {
  const known = deps.definitions.known(couponId);
  // A coupon this process has not read yet costs a store read, and the guard script that would spend
  // the token may never run (a made-up id): spend it first, so such floods are rate limited too.
  if (!known && ctx.pendingToken) await deps.guard.spendToken(ctx.pendingToken);
  const token = known ? ctx.pendingToken : undefined;
  const def = known ?? (await deps.definitions.get(couponId));
  if (!def) throw notFound("coupon");
  if (keyedClaimId !== undefined) {
    const before = claimedBefore(await deps.store.readEvent(keyedClaimId), couponId, ctx);
    if (before) return before;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      // A retry after a rebuild must not spend the user's token again.
      const result = await attemptClaim(deps, def, ctx, keyedClaimId ?? newId(), attempt === 1 ? token : undefined);
      deps.outcomes.inc({ outcome: "CLAIMED" });
      return result;
    } catch (caught) {
      // The guard was rebuilt while this claim was in flight: decide again against the new state.
      if (caught instanceof FenceError && attempt < 3) continue;
      const err = caught instanceof FenceError ? unavailable("The coupon guard keeps being rebuilt; try again.", caught) : caught;
      deps.outcomes.inc({ outcome: err instanceof AppError ? err.code : "ERROR" });
      throw err;
    }
  }
}

type ClaimedData = Extract<CouponEvent, { type: "CouponClaimed" }>["data"];

/** The 201's body, in the contract's field order; named field by field, as the hot path builds one per claim. */
const claimView = (d: ClaimedData): ClaimView => ({
  claimId: d.claimId,
  couponId: d.couponId,
  userId: d.userId,
  status: "AVAILABLE",
  claimedAt: d.claimedAt,
  expiresAt: d.expiresAt,
});

/** The claim this key made before, answered as it was then (the body of a 201 is the event's data). */
function claimedBefore(event: StoredEvent | null, couponId: string, ctx: CommandContext) {
  const first = replayOf(event ?? undefined, ctx);
  if (!first) return null;
  if (first.type !== CouponClaimed.type || first.streamId !== couponStream(couponId)) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request.");
  }
  return { claim: claimView(first.data as ClaimedData), position: first.position, replayed: true };
}

async function attemptClaim(deps: ClaimDeps, def: CouponDefinition, ctx: CommandContext, claimId: string, token: PendingToken | undefined) {
  let verdict: ClaimVerdict;
  try {
    verdict = await deps.guard.claim(def.couponId, ctx.userId, claimId, ctx.now, token);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw unavailable("The coupon guard (Redis) is not answering.", err);
  }
  if (verdict.code !== "OK") {
    decide(def, verdict, claimId, ctx);
    throw new AppError(verdict.code, "The coupon cannot be claimed.");
  }
  let events;
  try {
    events = decide(def, verdict, claimId, ctx);
  } catch (err) {
    await deps.guard.release(def.couponId, claimId);
    throw err;
  }
  const [claimed] = events;
  if (claimed?.type !== "CouponClaimed") throw new Error("decider returned no CouponClaimed");
  try {
    const appended = await deps.store.append(
      couponStream(def.couponId),
      "any",
      [newEvent(CouponClaimed, claimed.data, { eventId: claimId, metadata: metadataFor(ctx) })],
      { fence: { key: couponFenceKey(def.couponId), token: verdict.fence }, notAfter: ctx.now.getTime() + deps.appendDeadlineMs },
    );
    deps.guard.confirm(def.couponId, claimId).catch((err: unknown) => deps.logger.warn({ err, claimId }, "confirm failed; the sweeper will"));
    return { claim: claimView(claimed.data), position: appended.lastPosition, replayed: false };
  } catch (err) {
    // The claim may be in the store: its unit stays taken until the sweeper finds out (giving it back now could hand it out twice).
    if (err instanceof AppendOutcomeUnknownError) {
      deps.logger.warn({ err, claimId }, "a claim's append may have committed; the sweeper settles its unit");
      throw unavailable("The claim may not have been recorded; try again shortly.", err);
    }
    await deps.guard.release(def.couponId, claimId).catch((e: unknown) => deps.logger.error({ err: e, claimId }, "release failed; the sweeper will"));
    if (err instanceof FenceError) {
      await deps.guard.invalidate(def.couponId, verdict.fence).catch(() => undefined);
      throw err;
    }
    throw unavailable("The claim could not be recorded; nothing was claimed.", err);
  }
}
