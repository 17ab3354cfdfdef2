import type { Generated } from "kysely";

/** Kysely table interfaces: one per table, the single description of what the SQL holds. */

export interface EventsTable {
  position: number;
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
  tag: string | null;
  occurred_at: Date;
  recorded_at: Generated<Date>;
}

export interface EventSequenceTable {
  id: number;
  last_position: number;
}

export interface GuardFencesTable {
  fence_key: string;
  token: string;
}

export interface EventHandledTable {
  event_id: string;
  position: number;
  handled_at: Generated<Date>;
}

export interface ProjectionCheckpointsTable {
  name: string;
  position: number;
  updated_at: Generated<Date>;
}

export interface CouponViewTable {
  coupon_id: string;
  name: string;
  discount: string;
  quantity: number;
  claimed: number;
  per_user_limit: number;
  min_order_amount: number;
  claim_opens_at: Date;
  claim_closes_at: Date | null;
  valid_until: Date | null;
  created_at: Date;
  updated_position: number;
}

export interface CouponClaimsTable {
  claim_id: string;
  coupon_id: string;
  user_id: string;
  status: "AVAILABLE" | "RESERVED" | "USED" | "EXPIRED";
  claimed_at: Date;
  expires_at: Date | null;
  order_id: string | null;
  updated_position: number;
}

export interface IdempotencyKeysTable {
  user_id: string;
  idem_key: string;
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  response_headers: string | null;
  created_at: Date;
  completed_at: Date | null;
}

export interface Database {
  events: EventsTable;
  event_sequence: EventSequenceTable;
  idempotency_keys: IdempotencyKeysTable;
  guard_fences: GuardFencesTable;
  event_handled: EventHandledTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  coupon_view: CouponViewTable;
  coupon_claims: CouponClaimsTable;
}
