import type { SettleOutcome } from "../orders/order.js";
import type { PgPayment } from "./gateway-client.js";

/** The gateway's final statuses in the order decider's words; PENDING (and unknown) is no outcome yet. */
export function outcomeOf(p: Pick<PgPayment, "status" | "transactionKey">): SettleOutcome | null {
  switch (p.status) {
    case "SUCCESS":
    case "REFUNDED":
      return { status: "SUCCESS", transactionKey: p.transactionKey };
    case "LIMIT_EXCEEDED":
    case "INVALID_CARD":
      return { status: "DECLINED", reason: p.status };
    case "PENDING":
      return null;
  }
}
