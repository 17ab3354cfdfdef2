import type { Generated } from "kysely";

/** Kysely table interfaces of the platform: the event store, the projector's bookkeeping, leases. */

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
  /** The database's clock when the append took the sequence lock; written by the append so the hash can cover it. */
  recorded_at: Date;
  /** How `hash` was computed (see eventstore/chain.ts). */
  chain_format: number;
  hash: string;
}

export interface EventSequenceTable {
  id: number;
  last_position: number;
  last_hash: string;
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

export interface LeasesTable {
  name: string;
  owner: string;
  expires_at: Date;
}

/** Events the projector gave up on (dead-lettered); `retry-failed` resolves them. */
export interface ProjectionFailuresTable {
  event_id: string;
  position: number | null;
  stream_id: string | null;
  type: string | null;
  event: string | null;
  raw: string | null;
  source: string;
  error: string;
  attempts: number;
  failed_at: Date;
  resolved_at: Date | null;
}

/**
 * The one kysely Database: the platform's own tables here; each area adds its read-model tables
 * beside their repository (`declare module "@surge/platform/db/schema"`), so the platform names none.
 */
export interface Database {
  events: EventsTable;
  event_sequence: EventSequenceTable;
  guard_fences: GuardFencesTable;
  event_handled: EventHandledTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  leases: LeasesTable;
  projection_failures: ProjectionFailuresTable;
}
