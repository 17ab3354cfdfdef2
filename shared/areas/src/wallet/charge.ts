import type { EventStore, StoredEvent } from "@surge/platform/eventstore/types";
import { decideWallet, evolveWallet, initialWalletState, type WalletState } from "./wallet.js";
import { walletEventTypes, walletStream } from "./events.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import type { KeyedQueue } from "@surge/platform/command/keyed-queue";
import { loadAggregate } from "@surge/platform/command/load";
import { replayOf } from "@surge/platform/command/replay";
import { retryOnConflict } from "@surge/platform/command/retry";

export interface WalletDeps {
  store: EventStore;
  wallets: KeyedQueue;
}

export const loadWallet = (store: EventStore, userId: string) =>
  loadAggregate(store, walletStream(userId), walletEventTypes, initialWalletState() as WalletState, evolveWallet);

/** The charge this Idempotency-Key made before, answered as it was then. */
function chargedBefore(stored: StoredEvent[], chargeId: string, ctx: CommandContext) {
  const first = replayOf(
    stored.find((e) => e.type === "WalletCharged" && (e.data as { chargeId: string }).chargeId === chargeId),
    ctx,
  );
  if (!first) throw new Error(`charge ${chargeId} is known but not in the wallet's stream`);
  const { balance, amount } = first.data as { balance: number; amount: number };
  return { balance, charged: amount, position: first.position, replayed: true };
}

export async function chargeWallet(deps: WalletDeps, chargeId: string, amount: number, ctx: CommandContext) {
  return deps.wallets.run(ctx.userId, () =>
    retryOnConflict(async () => {
      const { state, version, events: stored } = await loadWallet(deps.store, ctx.userId);
      const events = decideWallet(state, { type: "ChargeWallet", userId: ctx.userId, chargeId, amount, now: ctx.now });
      if (events.length === 0) return chargedBefore(stored, chargeId, ctx);
      const appended = await deps.store.append(walletStream(ctx.userId), version, events.map((e) => ({ ...e, metadata: metadataFor(ctx) })));
      return { balance: events.reduce(evolveWallet, state).balance, charged: amount, position: appended.lastPosition, replayed: false };
    }),
  );
}
