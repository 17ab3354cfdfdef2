import { hash } from "node:crypto";
import type { Db } from "../db/database.js";

export const GENESIS_HASH = "0".repeat(64);

export interface ChainFields {
  position: number;
  stream_id: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
}

/** SHA-256 over the previous hash and the event's identity and content, exactly as stored. */
export function chainHash(previous: string, e: ChainFields): string {
  return hash("sha256", `${previous}\n${e.position}\n${e.stream_id}\n${e.version}\n${e.type}\n${e.data}\n${e.metadata}`, "hex");
}

export type ChainBreak = { position: number; reason: "altered" | "missing" | "inserted" | "head-mismatch" };

export interface VerifyReport {
  checked: number;
  headPosition: number;
  broken: ChainBreak | null;
}

/**
 * Walks the log in position order and recomputes the chain. An UPDATE shows as "altered" at that
 * event, a deleted event as "missing" at the gap, an extra row as "inserted", a deleted tail as a
 * head that no longer matches the sequence row (which every append updates in the same transaction).
 */
export async function verifyChain(db: Db, onProgress?: (checked: number, head: number) => void): Promise<VerifyReport> {
  const seq = await db.selectFrom("event_sequence").select(["last_position", "last_hash"]).where("id", "=", 1).executeTakeFirstOrThrow();
  const head = Number(seq.last_position);
  let previous = GENESIS_HASH;
  let expected = 1;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom("events")
      .select(["position", "stream_id", "version", "type", "data", "metadata", "hash"])
      .where("position", ">=", expected)
      .orderBy("position")
      .limit(2000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const position = Number(r.position);
      if (position > head) return { checked, headPosition: head, broken: { position, reason: "inserted" } };
      if (position !== expected) return { checked, headPosition: head, broken: { position: expected, reason: "missing" } };
      const hash = chainHash(previous, { ...r, position });
      if (hash !== r.hash) return { checked, headPosition: head, broken: { position, reason: "altered" } };
      previous = hash;
      expected++;
      checked++;
    }
    onProgress?.(checked, head);
  }
  if (expected - 1 !== head) return { checked, headPosition: head, broken: { position: expected, reason: "missing" } };
  if (previous !== seq.last_hash) return { checked, headPosition: head, broken: { position: head, reason: "head-mismatch" } };
  return { checked, headPosition: head, broken: null };
}
