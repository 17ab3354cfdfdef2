import type { EventStore, StoredEvent } from "@surge/platform/eventstore/types";
import { walletDecider } from "./wallet.js";
import { walletStream } from "./events.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import type { KeyedQueue } from "@surge/platform/command/keyed-queue";
import { handle } from "@surge/platform/command/handle";
import { loadStream } from "@surge/platform/command/load";
import { replayOf } from "@surge/platform/command/replay";

export interface WalletDeps {
  store: EventStore;
  wallets: KeyedQueue;
}

export const loadWallet = (store: EventStore, userId: string) => loadStream(store, walletStream(userId), walletDecider);

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
  return deps.wallets.run(ctx.userId, async () => {
    const command = { type: "ChargeWallet", userId: ctx.userId, chargeId, amount, now: ctx.now } as const;
    const charged = await handle(deps.store, walletStream(ctx.userId), walletDecider, command, { metadata: metadataFor(ctx) });
    // A charge id the wallet has seen decides nothing: the first charge answers.
    if (charged.position === null) return chargedBefore(charged.loaded.events, chargeId, ctx);
    return { balance: charged.state.balance, charged: amount, position: charged.position, replayed: false };
  });
}
