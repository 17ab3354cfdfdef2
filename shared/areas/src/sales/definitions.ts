import type { EventStore } from "@surge/platform/eventstore/types";
import { parseEvent } from "@surge/platform/events/event-type";
import { saleStream, saleEventTypes, type SaleDefinition } from "./events.js";

/**
 * Sale definitions (deals, prices, limits) never change after EventScheduled, so a process reads
 * each once; its status is not cached here, it lives in the stock guard.
 */
export class SaleDefinitions {
  private readonly known = new Map<string, SaleDefinition>();
  private readonly missing = new Map<string, number>();

  constructor(private readonly store: EventStore) {}

  remember(definition: SaleDefinition): void {
    this.known.set(definition.eventId, definition);
  }

  async get(eventId: string): Promise<SaleDefinition | null> {
    const hit = this.known.get(eventId);
    if (hit) return hit;
    if ((this.missing.get(eventId) ?? 0) > Date.now()) return null;
    const [first] = await this.store.readStream(saleStream(eventId), { toVersion: 1 });
    const e = first ? parseEvent(saleEventTypes, first) : null;
    if (e?.type !== "EventScheduled") {
      if (this.missing.size > 10_000) this.missing.clear();
      this.missing.set(eventId, Date.now() + 1000);
      return null;
    }
    this.remember(e.data);
    return e.data;
  }
}
