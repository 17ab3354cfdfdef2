import { AppError } from "@surge/platform/errors";
import { MAX_BALANCE, walletEventTypes, type WalletEvent } from "./events.js";

/**
 * The charge ids a wallet has seen, newest first. Each state links to the one before instead of
 * copying a set, so folding a wallet of n charges costs n steps, not n².
 */
export interface SeenCharges {
  readonly chargeId: string;
  readonly before: SeenCharges | null;
}

export function hasSeenCharge(seen: SeenCharges | null, chargeId: string): boolean {
  for (let s = seen; s !== null; s = s.before) if (s.chargeId === chargeId) return true;
  return false;
}

export interface WalletState {
  balance: number;
  updatedAt: string | null;
  /** Charge ids derive from Idempotency-Keys: a charge id seen before is never charged again. */
  charges: SeenCharges | null;
}

export type WalletCommand =
  | { type: "ChargeWallet"; userId: string; chargeId: string; amount: number; now: Date }
  | { type: "DebitPoints"; userId: string; orderId: string; paymentId: string; amount: number; now: Date }
  | { type: "RefundPoints"; userId: string; orderId: string; paymentId: string; amount: number; now: Date };

export const initialWalletState = (): WalletState => ({ balance: 0, updatedAt: null, charges: null });

export function evolveWallet(state: WalletState, event: WalletEvent): WalletState {
  switch (event.type) {
    case "WalletCharged":
      return { balance: event.data.balance, updatedAt: event.data.chargedAt, charges: { chargeId: event.data.chargeId, before: state.charges } };
    case "PointsDebited":
      return { ...state, balance: event.data.balance, updatedAt: event.data.debitedAt };
    case "PointsRefunded":
      return { ...state, balance: event.data.balance, updatedAt: event.data.refundedAt };
  }
}

/**
 * Every event carries the balance after it, so a replay never re-adds amounts. Refunds return
 * points that were debited from this wallet and are not subject to the charge limit.
 */
export function decideWallet(state: WalletState, command: WalletCommand): WalletEvent[] {
  const at = command.now.toISOString();
  switch (command.type) {
    case "ChargeWallet": {
      if (hasSeenCharge(state.charges, command.chargeId)) return [];
      const balance = state.balance + command.amount;
      if (balance > MAX_BALANCE)
        throw new AppError("BALANCE_LIMIT_EXCEEDED", `The balance may not pass ${MAX_BALANCE}.`, { extra: { balance: state.balance, limit: MAX_BALANCE } });
      return [{ type: "WalletCharged", data: { userId: command.userId, chargeId: command.chargeId, amount: command.amount, balance, chargedAt: at } }];
    }
    case "DebitPoints": {
      if (command.amount === 0) return [];
      if (state.balance < command.amount)
        throw new AppError("INSUFFICIENT_POINTS", "Not enough points.", { extra: { required: command.amount, balance: state.balance } });
      const { userId, orderId, paymentId, amount } = command;
      return [{ type: "PointsDebited", data: { userId, orderId, paymentId, amount, balance: state.balance - amount, debitedAt: at } }];
    }
    case "RefundPoints": {
      if (command.amount === 0) return [];
      const { userId, orderId, paymentId, amount } = command;
      return [{ type: "PointsRefunded", data: { userId, orderId, paymentId, amount, balance: state.balance + amount, refundedAt: at } }];
    }
  }
}

export const walletDecider = { types: walletEventTypes, initialState: initialWalletState, evolve: evolveWallet, decide: decideWallet };
