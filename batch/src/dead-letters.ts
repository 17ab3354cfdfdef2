import type { Db } from "@surge/platform/db/database";
import { deadLetters, requeueDeadLetters } from "@surge/areas/payments/retries";

export const deadLettersUsage = `usage: npm run batch -- dead-letters list [--job NAME]
       npm run batch -- dead-letters retry [--job NAME] [--order ORDER_ID]

Card refunds (job payment-refunds) and payment compensations (job payment-compensation) that
failed on every attempt. retry gives them fresh attempts, due at once: the running batch takes
them on its next retry round (PAYMENT_RETRY_INTERVAL_S).
`;

/**
 * `npm run batch -- dead-letters list|retry`: lines for stdout and an exit code (0 done, 1 nothing
 * matched a retry, 2 usage).
 */
export async function deadLettersCommand(
  db: Db,
  action: string | undefined,
  filter: { job?: string; orderId?: string },
): Promise<{ lines: string[]; code: number }> {
  if (action === "list") {
    const rows = await deadLetters(db, filter.job);
    const lines = rows.map(
      (r) => `${r.job}\torder ${r.order_id}\tpayment ${r.payment_id}\t${r.attempts} attempts\tdead since ${r.dead_at?.toISOString()}\t${r.last_error}`,
    );
    return { lines: [...lines, `${rows.length} dead letter(s)`], code: 0 };
  }
  if (action === "retry") {
    const n = await requeueDeadLetters(db, filter, new Date());
    return { lines: [`${n} dead letter(s) queued for retry`], code: n > 0 ? 0 : 1 };
  }
  return { lines: [deadLettersUsage], code: 2 };
}
