import { notFound } from "@surge/platform/errors";
import type { EventStore } from "@surge/platform/eventstore/types";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { handleStreams } from "@surge/platform/command/handle";
import type { ProductDirectory } from "../catalog/directory.js";
import { likeEventTypes, likesTag, likeStream } from "./events.js";
import { decideLike, evolveLike, initialLikeState } from "./like.js";
import type { LikeCounts } from "./like-counts.js";

const likeModel = { types: likeEventTypes, initialState: initialLikeState, evolve: evolveLike };

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
  const { version, position } = await handleStreams(deps.store, async (unit) => {
    const loaded = await unit.load(stream, likeModel);
    const events = decideLike(loaded.state, { type: liked ? "Like" : "Unlike", productId, userId: ctx.userId, now: ctx.now });
    if (events.length === 0) return { version: loaded.version, position: loaded.events.at(-1)?.position ?? null };
    const { results, lastPosition } = await unit.append([unit.change(loaded, events, { tag: likesTag(productId), metadata: metadataFor(ctx) })]);
    return { version: results[0]!.version, position: lastPosition };
  });
  return { likes: await deps.likes.apply(productId, ctx.userId, version, liked), position };
}
