import { couponEventTypes, couponStream, type CouponDefinition } from "./coupon-events.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { type EventStore } from "@surge/platform/eventstore/types";

/**
 * Coupon definitions never change after CouponCreated, so each process reads one once from the
 * store. Misses are remembered only briefly: the coupon may be created by another instance.
 */
export class CouponDefinitions {
  private readonly definitions = new Map<string, CouponDefinition>();
  private readonly missing = new Map<string, number>();

  constructor(private readonly store: EventStore) {}

  remember(definition: CouponDefinition): void {
    this.definitions.set(definition.couponId, definition);
  }

  /** A definition this process has already read, without going to the store. */
  known(couponId: string): CouponDefinition | undefined {
    return this.definitions.get(couponId);
  }

  async get(couponId: string): Promise<CouponDefinition | null> {
    const hit = this.definitions.get(couponId);
    if (hit) return hit;
    if ((this.missing.get(couponId) ?? 0) > Date.now()) return null;
    const [first] = await this.store.readStream(couponStream(couponId), { fromVersion: 1, toVersion: 1 });
    const created = first ? parseEvent(couponEventTypes, first) : null;
    if (created?.type !== "CouponCreated") {
      if (this.missing.size > 10_000) this.missing.clear();
      this.missing.set(couponId, Date.now() + 1000);
      return null;
    }
    this.remember(created.data);
    return created.data;
  }
}
