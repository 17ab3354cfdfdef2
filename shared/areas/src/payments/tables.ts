/** A refund or compensation that failed: when it is tried next, or that it ran out of attempts. */
export interface PaymentRetriesTable {
  /** The process manager's name (its checkpoint): payment-refunds, payment-compensation. */
  job: string;
  order_id: string;
  payment_id: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string;
  dead_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

declare module "@surge/platform/db/schema" {
  interface Database {
    payment_retries: PaymentRetriesTable;
  }
}
