import { applyBatch, type HandlerMap } from "@surge/projector";
import { readCheckpoint, type Db, type EventStore } from "@surge/shared";

/** Events per shadow transaction: large enough to amortise the commit, small enough to stay a short transaction. */
export const REPLAY_BATCH = 500;

/**
 * Feeds the live log after the shadow's checkpoint, up to and including `to`, through the
 * projector's own apply (same handlers, same dedup, same checkpoint row) into the shadow database.
 * Returns the shadow's checkpoint, which is `to` unless the log ends earlier.
 */
export async function replayInto(
  store: EventStore,
  shadow: Db,
  handlers: HandlerMap,
  to: number,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  let position = await readCheckpoint(shadow);
  while (position < to) {
    // Positions are gap-free, so this never reads past `to`; the filter is only a guard.
    const events = (await store.readAll(position, Math.min(REPLAY_BATCH, to - position))).filter((e) => e.position <= to);
    const last = events.at(-1);
    if (!last) break;
    await applyBatch(shadow, handlers, events);
    position = last.position;
    onProgress?.(position, to);
  }
  return position;
}
