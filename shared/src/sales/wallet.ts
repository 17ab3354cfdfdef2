import type { EventStore } from "../eventstore/index.js";
import { decideWallet, evolveWallet, initialWalletState, walletEventTypes, walletStream, type WalletState } from "../domain/wallet/index.js";
import { metadataFor, type CommandContext } from "./context.js";
import type { KeyedQueue } from "./keyed-queue.js";
import { loadAggregate } from "./load.js";
import { retryOnConflict } from "./retry.js";

export interface WalletDeps {
  store: EventStore;
  wallets: KeyedQueue;
}

export const loadWallet = (store: EventStore, userId: string) =>
  loadAggregate(store, walletStream(userId), walletEventTypes, initialWalletState() as WalletState, evolveWallet);

export async function chargeWallet(deps: WalletDeps, chargeId: string, amount: number, ctx: CommandContext) {
  return deps.wallets.run(ctx.userId, () =>
    retryOnConflict(async () => {
      const { state, version } = await loadWallet(deps.store, ctx.userId);
      const events = decideWallet(state, { type: "ChargeWallet", userId: ctx.userId, chargeId, amount, now: ctx.now });
      const appended = await deps.store.append(walletStream(ctx.userId), version, events.map((e) => ({ ...e, metadata: metadataFor(ctx) })));
      return { balance: events.reduce(evolveWallet, state).balance, charged: amount, position: appended.lastPosition };
    }),
  );
}
