import type { Redis } from "ioredis";
import {
  couponEventTypes,
  couponStream,
  evolveCoupon,
  initialCouponState,
  newId,
  notFound,
  parseEvent,
  unavailable,
  type CouponDefinition,
  type EventStore,
  type Logger,
} from "@surge/shared";
import { couponFenceKey, couponKeys, LOADED_COUPONS } from "./keys.js";
import { claimScript, publishScript, releaseScript, resetScript } from "./scripts.js";

export type ClaimCode = "OK" | "SOLD_OUT" | "ALREADY_CLAIMED" | "CLAIM_WINDOW_CLOSED";

export interface ClaimVerdict {
  code: ClaimCode;
  claimedBefore: number;
  heldBefore: number;
  /** The guard generation that decided; the append must still match it to commit. */
  fence: string;
}

interface GuardCommands {
  couponClaim(meta: string, users: string, resv: string, userId: string, claimId: string, now: number, deadline: number): Promise<[string, number, number, string]>;
  couponRelease(meta: string, users: string, resv: string, claimId: string): Promise<number>;
  couponReset(meta: string, users: string, resv: string): Promise<number>;
  couponPublish(meta: string, users: string, resv: string, ...args: Array<string | number>): Promise<number>;
  unlockIfOwner(lock: string, token: string): Promise<number>;
}

const unlockScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CouponGuardOptions {
  reservationTtlMs: number;
  /** How long a claim waits for another request's rebuild before answering 503. */
  rebuildWaitMs?: number;
}

/**
 * The Redis side of a coupon drop: decides claims atomically and is rebuilt from the event store
 * whenever its state is missing. It never invents state: a missing counter means "not loaded".
 */
export class CouponGuard {
  private readonly redis: Redis & GuardCommands;

  constructor(
    redis: Redis,
    private readonly store: EventStore,
    private readonly options: CouponGuardOptions,
    private readonly logger: Logger,
  ) {
    const r = redis as Redis & Partial<GuardCommands>;
    if (!r.couponClaim) {
      redis.defineCommand("couponClaim", { numberOfKeys: 3, lua: claimScript });
      redis.defineCommand("couponRelease", { numberOfKeys: 3, lua: releaseScript });
      redis.defineCommand("couponReset", { numberOfKeys: 3, lua: resetScript });
      redis.defineCommand("couponPublish", { numberOfKeys: 3, lua: publishScript });
      redis.defineCommand("unlockIfOwner", { numberOfKeys: 1, lua: unlockScript });
    }
    this.redis = redis as Redis & GuardCommands;
  }

  async claim(couponId: string, userId: string, claimId: string, now: Date): Promise<ClaimVerdict> {
    const k = couponKeys(couponId);
    const giveUpAt = Date.now() + (this.options.rebuildWaitMs ?? 5000);
    for (;;) {
      const t = now.getTime();
      const [code, claimed, held, fence] = await this.redis.couponClaim(k.meta, k.users, k.resv, userId, claimId, t, t + this.options.reservationTtlMs);
      if (code !== "NOT_LOADED") return { code: code as ClaimCode, claimedBefore: Number(claimed), heldBefore: Number(held), fence };
      const outcome = await this.rebuild(couponId);
      if (outcome === "absent") throw notFound("coupon");
      if (outcome === "busy") {
        if (Date.now() > giveUpAt) throw unavailable("The coupon guard is being rebuilt; try again.");
        await sleep(20);
      }
    }
  }

  /** The claim's event is in the store: drop its ledger entry. */
  async confirm(couponId: string, claimId: string): Promise<void> {
    await this.redis.hdel(couponKeys(couponId).resv, claimId);
  }

  /** Gives a reserved unit back; a second call for the same claim does nothing. */
  async release(couponId: string, claimId: string): Promise<boolean> {
    const k = couponKeys(couponId);
    return (await this.redis.couponRelease(k.meta, k.users, k.resv, claimId)) === 1;
  }

  /**
   * Rebuilds the coupon's guard state from the store under a short lock. Rotating the fence first
   * waits out appends in flight and makes any later append decided by the lost state fail, so the
   * stream read next is the complete truth the new state starts from.
   */
  async rebuild(couponId: string): Promise<"loaded" | "busy" | "absent"> {
    const k = couponKeys(couponId);
    const token = newId();
    if ((await this.redis.set(k.lock, token, "PX", 30_000, "NX")) !== "OK") return "busy";
    try {
      if ((await this.redis.exists(k.meta)) === 1) return "loaded";
      const fence = await this.store.rotateFence(couponFenceKey(couponId));
      const events = await this.store.readStream(couponStream(couponId));
      let state = initialCouponState();
      const users = new Map<string, number>();
      for (const raw of events) {
        const e = parseEvent(couponEventTypes, raw);
        if (!e) continue;
        state = evolveCoupon(state, e);
        if (e.type === "CouponClaimed") users.set(e.data.userId, (users.get(e.data.userId) ?? 0) + 1);
      }
      if (state.status === "absent") return "absent";
      await this.redis.couponReset(k.meta, k.users, k.resv);
      const pairs = [...users.entries()];
      for (let i = 0; i < pairs.length; i += 1000) {
        await this.redis.hset(k.users, Object.fromEntries(pairs.slice(i, i + 1000)));
      }
      const d = state.definition;
      await this.redis.couponPublish(k.meta, k.users, k.resv, ...publishArgs(d, state.claimed, fence));
      await this.redis.sadd(LOADED_COUPONS, couponId);
      this.logger.info({ couponId, claimed: state.claimed, users: users.size }, "coupon guard rebuilt from the store");
      return "loaded";
    } finally {
      await this.redis.unlockIfOwner(k.lock, token).catch(() => 0);
    }
  }

  /**
   * Settles reservations older than their deadline: those whose event is in the store are
   * confirmed, the rest return to sale. The store check waits out appends in flight, and appends
   * are refused after their own (shorter) deadline, so a released unit can never be committed later.
   */
  async sweep(now = Date.now()): Promise<{ confirmed: number; released: number }> {
    let confirmed = 0;
    let released = 0;
    for (const couponId of await this.redis.smembers(LOADED_COUPONS)) {
      const k = couponKeys(couponId);
      const ledger = await this.redis.hgetall(k.resv);
      const expired = Object.entries(ledger)
        .filter(([, v]) => Number(v.slice(v.lastIndexOf("|") + 1)) < now)
        .map(([claimId]) => claimId);
      if (expired.length === 0) continue;
      const committed = await this.store.committedEventIds(expired);
      for (const claimId of expired) {
        if (committed.has(claimId)) {
          await this.confirm(couponId, claimId);
          confirmed++;
        } else if (await this.release(couponId, claimId)) {
          released++;
        }
      }
    }
    if (released > 0) this.logger.warn({ released, confirmed }, "returned orphaned coupon reservations to sale");
    return { confirmed, released };
  }
}

function publishArgs(d: CouponDefinition, claimed: number, fence: string): Array<string | number> {
  return [
    d.quantity,
    d.perUserLimit,
    Date.parse(d.claimOpensAt),
    d.claimClosesAt === null ? "" : Date.parse(d.claimClosesAt),
    claimed,
    fence,
  ];
}
