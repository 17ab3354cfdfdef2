import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { instant, won } from "@surge/platform/events/schemas";

export const WalletCharged = eventType("WalletCharged", z.object({ userId: z.string(), chargeId: z.string(), amount: won, balance: won, chargedAt: instant }));
export const PointsDebited = eventType(
  "PointsDebited",
  z.object({ userId: z.string(), orderId: z.string(), paymentId: z.string(), amount: won, balance: won, debitedAt: instant }),
);
export const PointsRefunded = eventType(
  "PointsRefunded",
  z.object({ userId: z.string(), orderId: z.string(), paymentId: z.string(), amount: won, balance: won, refundedAt: instant }),
);

export const walletEventTypes = [WalletCharged, PointsDebited, PointsRefunded] as const;
export type WalletEvent = EventOf<(typeof walletEventTypes)[number]>;
export const walletStream = (userId: string) => `wallet-${userId}`;
export const MAX_BALANCE = 10_000_000;
