import type { LikeEvent } from "./events.js";

/** One user's like of one product. */
export interface LikeState {
  liked: boolean;
}

export type LikeCommand = { type: "Like" | "Unlike"; productId: string; userId: string; now: Date };

export const initialLikeState = (): LikeState => ({ liked: false });

export function evolveLike(_state: LikeState, event: LikeEvent): LikeState {
  return { liked: event.type === "ProductLiked" };
}

/** Idempotent both ways: liking a liked product, or withdrawing a like that is not there, decides nothing. */
export function decideLike(state: LikeState, command: LikeCommand): LikeEvent[] {
  const { productId, userId } = command;
  const at = command.now.toISOString();
  if (command.type === "Like") return state.liked ? [] : [{ type: "ProductLiked", data: { productId, userId, likedAt: at } }];
  return state.liked ? [{ type: "ProductUnliked", data: { productId, userId, unlikedAt: at } }] : [];
}

export const likeDecider = { initialState: initialLikeState, evolve: evolveLike, decide: decideLike };
