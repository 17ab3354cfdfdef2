import { notFound } from "@surge/platform/errors";
import type { EventStore } from "@surge/platform/eventstore/types";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { loadAggregate } from "@surge/platform/command/load";
import { retryOnConflict } from "@surge/platform/command/retry";
import type { ProductDirectory } from "../catalog/directory.js";
import { likeEventTypes, likesTag, likeStream } from "./events.js";
import { decideLike, evolveLike, initialLikeState } from "./like.js";
import type { LikeCounts } from "./like-counts.js";

export interface LikeDeps {
  store: EventStore;
  products: ProductDirectory;
  likes: LikeCounts;
}

/**
 * PUT or DELETE of a like: load the user's like of the product, decide, append with the stream's
 * version (two requests of one user racing: one appends, the other decides again on its result).
 * `position` is the event that made the answer true (null: the user never liked the product).
 */
export async function setLike(deps: LikeDeps, productId: string, liked: boolean, ctx: CommandContext): Promise<{ likes: number; position: number | null }> {
  if (!(await deps.products.exists(productId))) throw notFound("product");
  const stream = likeStream(productId, ctx.userId);
  const { version, position } = await retryOnConflict(async () => {
    const loaded = await loadAggregate(deps.store, stream, likeEventTypes, initialLikeState(), evolveLike);
    const events = decideLike(loaded.state, { type: liked ? "Like" : "Unlike", productId, userId: ctx.userId, now: ctx.now });
    if (events.length === 0) return { version: loaded.version, position: loaded.events.at(-1)?.position ?? null };
    const appended = await deps.store.append(stream, loaded.version, events.map((e) => ({ ...e, tag: likesTag(productId), metadata: metadataFor(ctx) })));
    return { version: appended.version, position: appended.lastPosition };
  });
  return { likes: await deps.likes.apply(productId, ctx.userId, version, liked), position };
}
