import { describe, expect, it } from "vitest";
import { specFor } from "@surge/platform/events/spec";
import { evolveWallet, initialWalletState, walletDecider } from "./wallet.js";
import type { WalletEvent } from "./events.js";

const spec = specFor(walletDecider);
const now = new Date("2026-11-21T10:00:00.000Z");
const charged = (amount: number, balance: number): WalletEvent => ({
  type: "WalletCharged",
  data: { userId: "u1", chargeId: `c${balance}`, amount, balance, chargedAt: now.toISOString() },
});
const charge = (amount: number) => ({ type: "ChargeWallet" as const, userId: "u1", chargeId: "c", amount, now });
const debit = (amount: number) => ({ type: "DebitPoints" as const, userId: "u1", orderId: "o1", paymentId: "p1", amount, now });

describe("wallet decider", () => {
  it("charges and records the balance after the charge", () => {
    expect(spec.given([charged(5000, 5000)]).when(charge(10_000))).toMatchObject({
      events: [{ type: "WalletCharged", data: { amount: 10_000, balance: 15_000 } }],
    });
  });

  it("never passes 10,000,000", () => {
    expect(spec.given([charged(9_999_999, 9_999_999)]).when(charge(1))).toMatchObject({ events: [{ data: { balance: 10_000_000 } }] });
    expect(spec.given([charged(9_999_999, 9_999_999)]).when(charge(2))).toMatchObject({ error: { code: "BALANCE_LIMIT_EXCEEDED" } });
  });

  it("debits only what is there", () => {
    expect(spec.given([charged(4000, 4000)]).when(debit(3000))).toMatchObject({ events: [{ type: "PointsDebited", data: { balance: 1000 } }] });
    expect(spec.given([charged(4000, 4000)]).when(debit(4001))).toMatchObject({ error: { code: "INSUFFICIENT_POINTS" } });
  });

  it("debits nothing for a zero amount", () => {
    expect(spec.given([]).when(debit(0))).toEqual({ events: [] });
  });

  it("refunds back to the wallet", () => {
    expect(spec.given([charged(4000, 4000)]).when({ type: "RefundPoints", userId: "u1", orderId: "o1", paymentId: "p1", amount: 3000, now })).toMatchObject({
      events: [{ type: "PointsRefunded", data: { balance: 7000 } }],
    });
  });

  it("never charges a charge id it has seen, however long ago", () => {
    const history = Array.from({ length: 50 }, (_, i) => charged(100, 100 * (i + 1)));
    expect(spec.given(history).when({ ...charge(100), chargeId: "c100" })).toEqual({ events: [] });
    expect(spec.given(history).when({ ...charge(100), chargeId: "c-new" })).toMatchObject({ events: [{ data: { balance: 5100 } }] });
  });

  it("links each state's charges to the state before instead of copying them", () => {
    const first = evolveWallet(initialWalletState(), charged(100, 100));
    const second = evolveWallet(first, charged(100, 200));
    expect(second.charges?.before).toBe(first.charges);
    expect(first.charges).toEqual({ chargeId: "c100", before: null });
  });
});
