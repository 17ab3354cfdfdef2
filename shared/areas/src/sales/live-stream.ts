import type { SSEStreamingApi } from "hono/streaming";
import type { SaleView } from "./queries.js";
import type { LiveState } from "./live-state.js";

/**
 * One client's view of the stream: it remembers what it last sent and sends only the difference.
 * While a write is still in flight a new state is skipped, not queued; the next one is diffed
 * against what was actually sent, so a slow client gets fewer, coalesced updates, never a backlog.
 */
export class LiveClient {
  private status: string;
  private readonly deals: Map<string, { remaining: number; sold: number }>;
  private rate: number | null = null;
  private busy = false;

  constructor(
    private readonly stream: SSEStreamingApi,
    snapshot: SaleView,
  ) {
    this.status = snapshot.status;
    this.deals = new Map(snapshot.deals.map((d) => [d.dealId, { remaining: d.remaining, sold: d.sold }]));
  }

  push(state: LiveState): void {
    if (this.busy || this.stream.aborted || this.stream.closed) return;
    const messages: Array<{ event: string; data: unknown }> = [];
    if (state.status !== this.status) {
      this.status = state.status;
      messages.push({ event: "status", data: { status: state.status } });
    }
    for (const [dealId, now] of state.deals) {
      const sent = this.deals.get(dealId);
      if (sent && sent.remaining === now.remaining && sent.sold === now.sold) continue;
      this.deals.set(dealId, now);
      messages.push({ event: "stock", data: { dealId, remaining: now.remaining, sold: now.sold } });
    }
    if (state.ordersPerSecond !== this.rate) {
      this.rate = state.ordersPerSecond;
      messages.push({ event: "rate", data: { ordersPerSecond: state.ordersPerSecond } });
    }
    if (messages.length === 0) return;
    this.busy = true;
    void this.send(messages).finally(() => {
      this.busy = false;
    });
  }

  private async send(messages: Array<{ event: string; data: unknown }>): Promise<void> {
    for (const m of messages) await this.stream.writeSSE({ event: m.event, data: JSON.stringify(m.data) });
  }
}
