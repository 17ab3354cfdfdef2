import type { EventStore } from "@surge/platform/eventstore/types";
import { productStream } from "./events.js";

/**
 * Which products exist, for commands about a product (likes, views). A product is never deleted,
 * so a process asks the store once per product; an unknown id is remembered as missing for a
 * second, so a stream of requests for it does not become a stream of reads.
 */
export class ProductDirectory {
  private readonly known = new Set<string>();
  private readonly missing = new Map<string, number>();

  constructor(private readonly store: EventStore) {}

  remember(productId: string): void {
    this.known.add(productId);
  }

  /** Answers from memory when it can: the views route calls this on every request. */
  exists(productId: string): boolean | Promise<boolean> {
    if (this.known.has(productId)) return true;
    if ((this.missing.get(productId) ?? 0) > Date.now()) return false;
    return this.lookUp(productId);
  }

  private async lookUp(productId: string): Promise<boolean> {
    const [first] = await this.store.readStream(productStream(productId), { toVersion: 1 });
    if (first?.type === "ProductCreated") {
      this.remember(productId);
      return true;
    }
    if (this.missing.size > 10_000) this.missing.clear();
    this.missing.set(productId, Date.now() + 1000);
    return false;
  }
}
