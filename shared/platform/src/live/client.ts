import type { SSEStreamingApi } from "hono/streaming";

export interface LiveMessage {
  event: string;
  data: unknown;
}

/**
 * The messages a new state makes for one client: what changed since the last messages it made.
 * It keeps its own memory of what it sent, so it is made once per client, from that client's snapshot.
 */
export type LiveDiff<S> = (state: S) => LiveMessage[];

/**
 * One client's side of a live stream: sends only the difference from what it last sent. While a
 * write is still in flight a new state is skipped, not queued; the next one is diffed against what
 * was actually sent, so a slow client gets fewer, coalesced updates, never a backlog.
 */
export class LiveClient<S> {
  private busy = false;

  constructor(
    private readonly stream: SSEStreamingApi,
    private readonly diff: LiveDiff<S>,
  ) {}

  push(state: S): void {
    if (this.busy || this.stream.aborted || this.stream.closed) return;
    const messages = this.diff(state);
    if (messages.length === 0) return;
    this.busy = true;
    void this.send(messages).finally(() => {
      this.busy = false;
    });
  }

  private async send(messages: LiveMessage[]): Promise<void> {
    for (const m of messages) await this.stream.writeSSE({ event: m.event, data: JSON.stringify(m.data) });
  }
}
