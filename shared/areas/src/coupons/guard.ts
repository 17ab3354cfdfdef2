import type { Redis } from "ioredis";
import type { EventStore } from "@surge/platform/eventstore/types";
import type { Logger } from "@surge/platform/logging";
import { parseEvent } from "@surge/platform/events/event-type";
import { couponEventTypes, couponStream, type CouponDefinition } from "./coupon-events.js";
import { evolveCoupon, initialCouponState } from "./coupon.js";
import { Coalescer } from "@surge/platform/redis/coalesce";
import type { PendingToken } from "@surge/platform/redis/token-bucket";
import { rateLimited, spendPendingToken } from "@surge/platform/http/rate-limit";
import { claimScript, releaseScript } from "./guard-scripts.js";
import {
  invalidateStale,
  publishState,
  runScript,
  settleOverdue,
  whenLoaded,
  withRebuildLock,
  type RebuildOutcome,
  type Settled,
} from "@surge/platform/redis/guard-kit";

/**
 * Every key of one coupon shares the hash tag `{couponId}`, so each Lua script touches a single
 * Redis Cluster slot. The set of loaded coupons is outside any tag and only the sweeper reads it.
 */
export const couponKeys = (couponId: string) => {
  const tag = `cpn:{${couponId}}`;
  return { meta: `${tag}:meta`, users: `${tag}:users`, resv: `${tag}:resv`, lock: `${tag}:lock` };
};
export const LOADED_COUPONS = "surge:guards:coupons";
export const couponFenceKey = (couponId: string) => `cpn:${couponId}`;

export type ClaimCode = "OK" | "SOLD_OUT" | "ALREADY_CLAIMED" | "CLAIM_WINDOW_CLOSED";

export interface ClaimVerdict {
  code: ClaimCode;
  claimedBefore: number;
  heldBefore: number;
  /** The guard generation that decided; the append must still match it to commit. */
  fence: string;
}

/**
 * The Redis side of a coupon drop: decides claims atomically and is rebuilt from the event store
 * whenever its state is missing. It never invents state: a missing counter means "not loaded".
 */
export class CouponGuard {
  constructor(
    private readonly redis: Redis,
    private readonly store: EventStore,
    private readonly options: { reservationTtlMs: number },
    private readonly logger: Logger,
  ) {}

  /** With `token`, the same call first spends the user's rate-limit token (429 when the bucket is empty). */
  async claim(couponId: string, userId: string, claimId: string, now: Date, token?: PendingToken): Promise<ClaimVerdict> {
    const k = couponKeys(couponId);
    const t = now.getTime();
    const keys = token ? [k.meta, k.users, k.resv, token.key] : [k.meta, k.users, k.resv];
    const args = token
      ? [userId, claimId, t, t + this.options.reservationTtlMs, token.perSecond, token.burst]
      : [userId, claimId, t, t + this.options.reservationTtlMs];
    const [code, claimed, held, fence] = await whenLoaded(
      () => runScript<[string, number, number, string]>(this.redis, claimScript, keys, args),
      () => this.rebuild(couponId),
      "coupon",
    );
    if (code === "LIMITED") throw rateLimited(Number(claimed));
    return { code: code as ClaimCode, claimedBefore: Number(claimed), heldBefore: Number(held), fence };
  }

  /** Spends a pending token on its own, where no claim script runs (see claimCoupon). */
  spendToken(token: PendingToken): Promise<void> {
    return spendPendingToken(this.redis, token);
  }

  /** The claim's event is in the store: drop its ledger entry. */
  private readonly confirms = new Coalescer((couponId, claimIds) => this.confirmAll(couponId, claimIds));

  private async confirmAll(couponId: string, claimIds: string[]): Promise<void> {
    await this.redis.hdel(couponKeys(couponId).resv, ...claimIds);
  }

  /** Drops reservations now backed by their events; calls of one moment share one HDEL. */
  confirm(couponId: string, claimId: string): Promise<void> {
    return this.confirms.add(couponId, claimId);
  }

  /** Gives a reserved unit back; a second call for the same claim does nothing. */
  async release(couponId: string, claimId: string): Promise<boolean> {
    const k = couponKeys(couponId);
    return (await runScript<number>(this.redis, releaseScript, [k.meta, k.users, k.resv], [claimId])) === 1;
  }

  /** The append was refused by the fence: the published state is stale, so let the next request rebuild it. */
  async invalidate(couponId: string, fence: string): Promise<void> {
    await invalidateStale(this.redis, couponKeys(couponId).meta, fence);
  }

  /**
   * Rebuilds the coupon's guard state from the store. Rotating the fence first waits out appends
   * in flight and makes any later append decided by the lost state fail, so the stream read next
   * is the complete truth the new state starts from.
   */
  rebuild(couponId: string): Promise<RebuildOutcome> {
    const k = couponKeys(couponId);
    return withRebuildLock(this.redis, k.lock, async () => {
      if ((await this.redis.exists(k.meta)) === 1) return "loaded";
      const fence = await this.store.rotateFence(couponFenceKey(couponId));
      let state = initialCouponState();
      const users = new Map<string, number>();
      for (const raw of await this.store.readStream(couponStream(couponId))) {
        const e = parseEvent(couponEventTypes, raw);
        if (!e) continue;
        state = evolveCoupon(state, e);
        if (e.type === "CouponClaimed") users.set(e.data.userId, (users.get(e.data.userId) ?? 0) + 1);
      }
      if (state.status === "absent") return "absent";
      const published = await publishState(this.redis, k.meta, metaFields(state.definition, state.claimed, fence), [
        [k.users, [...users]],
        [k.resv, []],
      ]);
      // Torn: Redis lost the staged state mid-rebuild; report busy so the caller rebuilds again.
      if (published !== "published") return published === "already" ? "loaded" : "busy";
      await this.redis.sadd(LOADED_COUPONS, couponId);
      this.logger.info({ couponId, claimed: state.claimed, users: users.size }, "coupon guard rebuilt from the store");
      return "loaded";
    });
  }

  /** Settles reservations older than their deadline (see settleOverdue). */
  async sweep(now = Date.now()): Promise<Settled> {
    const total = { confirmed: 0, released: 0 };
    for (const couponId of await this.redis.smembers(LOADED_COUPONS)) {
      // The coupon ledger holds only unconfirmed claims (a confirm deletes the entry), so it stays small.
      const ledger = await this.redis.hgetall(couponKeys(couponId).resv);
      const expired = Object.entries(ledger)
        .filter(([, v]) => Number(v.slice(v.lastIndexOf("|") + 1)) < now)
        .map(([claimId]) => claimId);
      if (expired.length === 0) continue;
      const settled = await settleOverdue(
        this.store,
        expired,
        (ids) => this.confirmAll(couponId, ids),
        (id) => this.release(couponId, id),
      );
      total.confirmed += settled.confirmed;
      total.released += settled.released;
    }
    if (total.released > 0) this.logger.warn(total, "returned orphaned coupon reservations to sale");
    return total;
  }
}

function metaFields(d: CouponDefinition, claimed: number, fence: string): Record<string, string | number> {
  return {
    quantity: d.quantity,
    perUserLimit: d.perUserLimit,
    opensAt: Date.parse(d.claimOpensAt),
    closesAt: d.claimClosesAt === null ? "" : Date.parse(d.claimClosesAt),
    claimed,
    fence,
  };
}
