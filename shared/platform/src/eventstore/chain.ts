import { hash } from "node:crypto";
import type { Db } from "../db/database.js";
import type { EventsTable } from "../db/schema.js";

export const GENESIS_HASH = "0".repeat(64);

/**
 * How a row's hash was computed, stored in the row (`events.chain_format`).
 *
 * Format 1 (every row written before migration 20261204T0900_chain_format) left out event_id, tag,
 * occurred_at and recorded_at. Format 2 seals every stored column. Old rows keep their format-1
 * hashes rather than being re-sealed by the migration: re-sealing rewrites every stored hash, the
 * very operation this chain exists to expose, so it would launder any edit already made to a
 * column format 1 did not cover, and it would hold the sequence lock (stopping appends) for a pass
 * over the whole log. A marker costs one instant ADD COLUMN, and `verifyChain` refuses a format
 * that goes down along the log, so a new row cannot be passed off as an old one.
 */
export type ChainFormat = 1 | 2;
export const CHAIN_FORMAT: ChainFormat = 2;

/** The stored columns a hash seals: every column of `events` but the format and the hash itself. */
export type ChainFields = Omit<EventsTable, "chain_format" | "hash">;

/**
 * Length-prefixed, so no choice of field values can move bytes from one field to the next (with
 * bare separators, stream "a\nb" of type "c" and stream "a" of type "b\nc" would hash alike).
 */
const text = (s: string) => `${s.length}:${s}`;

/**
 * Times enter the hash as epoch milliseconds (DATETIME(3) holds exactly those). Printing a 13-digit
 * number costs about as much as hashing the event (toISOString three times that), and consecutive
 * rows mostly repeat a time (a batch shares one recorded_at), so each field remembers its last one.
 */
function millisText(): (d: Date) => string {
  let lastMs = Number.NaN;
  let lastText = "";
  return (d) => {
    const ms = d.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = String(ms);
    }
    return lastText;
  };
}
const occurredText = millisText();
const recordedText = millisText();

/** Format 2: SHA-256 over the previous hash and every stored column of the event, as stored. */
export function chainHash(previous: string, e: ChainFields): string {
  return hash(
    "sha256",
    `2\n${previous}\n${e.position}\n${text(e.event_id)}\n${text(e.stream_id)}\n${e.version}\n${text(e.type)}\n${text(e.data)}\n${text(e.metadata)}\n${e.tag === null ? "-" : text(e.tag)}\n${occurredText(e.occurred_at)}\n${recordedText(e.recorded_at)}`,
    "hex",
  );
}

/** Format 1, kept only to verify rows written before format 2. */
export function legacyChainHash(previous: string, e: ChainFields): string {
  return hash("sha256", `${previous}\n${e.position}\n${e.stream_id}\n${e.version}\n${e.type}\n${e.data}\n${e.metadata}`, "hex");
}

/** The hash a row must carry given the previous one, in the row's own format. */
export function sealRow(previous: string, row: ChainFields & { chain_format: number }): string | null {
  if (row.chain_format === 2) return chainHash(previous, row);
  if (row.chain_format === 1) return legacyChainHash(previous, row);
  return null;
}

/** A hash the chain must have at a position, vouched for from outside the database (a signed checkpoint). */
export interface Anchor {
  position: number;
  hash: string;
}

export type ChainBreak =
  | { position: number; reason: "altered" | "missing" | "inserted" | "head-mismatch" }
  /** The chain is consistent but differs from an anchor: it was rewritten after `agreedUpTo`, up to `position`. */
  | { position: number; reason: "anchor-mismatch"; agreedUpTo: number }
  /** An anchor vouches for a position the log no longer reaches: its tail was deleted. */
  | { position: number; reason: "truncated" };

export interface VerifyReport {
  checked: number;
  /** The head when verification started: the chain is verified up to here. */
  headPosition: number;
  headHash: string;
  /** How many of the checked events are in format 1 (event id, tag and times not covered). */
  legacy: number;
  /** Anchors the chain agreed with. */
  anchored: number;
  broken: ChainBreak | null;
}

export interface VerifyOptions {
  anchors?: readonly Anchor[];
  /** Start after a position whose hash is trusted (the last signed checkpoint) instead of from genesis. */
  from?: Anchor;
  onProgress?: (checked: number, head: number) => void | Promise<void>;
  pageSize?: number;
}

const COLUMNS = [
  "position",
  "event_id",
  "stream_id",
  "version",
  "type",
  "data",
  "metadata",
  "tag",
  "occurred_at",
  "recorded_at",
  "chain_format",
  "hash",
] as const;

/**
 * Walks the log in position order up to the head it reads first, recomputing the chain. Appends
 * that commit during the walk land past that head and are left for the next run, so a live system
 * verifies without false alarms. An UPDATE of any column shows as "altered" at that event, a
 * deleted event as "missing" at the gap, a deleted tail as a head that no longer matches the
 * sequence row (every append moves both in one transaction), a row past the sequence as "inserted".
 * A rewrite of the whole chain is consistent and only an anchor held outside the database shows it.
 */
export async function verifyChain(db: Db, options: VerifyOptions = {}): Promise<VerifyReport> {
  const seq = await db.selectFrom("event_sequence").select(["last_position", "last_hash"]).where("id", "=", 1).executeTakeFirstOrThrow();
  const head = Number(seq.last_position);
  const anchors = [...(options.anchors ?? [])].sort((a, b) => a.position - b.position);
  let nextAnchor = 0;
  let agreedUpTo = 0;
  let previous = GENESIS_HASH;
  let expected = 1;
  let format = 1;
  let checked = 0;
  let legacy = 0;
  let anchored = 0;
  const report = (broken: ChainBreak | null): VerifyReport => ({
    checked,
    headPosition: head,
    headHash: seq.last_hash,
    legacy,
    anchored,
    broken,
  });
  // Anchors are matched against the hash this walk computes, not the stored one.
  const anchorBreak = (position: number, hashAt: string): ChainBreak | null => {
    for (; nextAnchor < anchors.length && anchors[nextAnchor]!.position === position; nextAnchor++) {
      if (anchors[nextAnchor]!.hash !== hashAt) return { position, reason: "anchor-mismatch", agreedUpTo };
      agreedUpTo = position;
      anchored++;
    }
    return null;
  };
  const beyond = anchors.find((a) => a.position > head);
  if (beyond) return report({ position: beyond.position, reason: "truncated" });

  if (options.from) {
    const { position, hash } = options.from;
    if (position > head) return report({ position, reason: "truncated" });
    const row =
      position === 0
        ? { hash: GENESIS_HASH, chain_format: 1 }
        : await db.selectFrom("events").select(["hash", "chain_format"]).where("position", "=", position).executeTakeFirst();
    if (!row) return report({ position, reason: "missing" });
    if (row.hash !== hash) return report({ position, reason: "anchor-mismatch", agreedUpTo: 0 });
    while (nextAnchor < anchors.length && anchors[nextAnchor]!.position <= position) nextAnchor++;
    previous = hash;
    expected = position + 1;
    format = row.chain_format;
    agreedUpTo = position;
  }
  const atGenesis = anchorBreak(0, GENESIS_HASH);
  if (atGenesis) return report(atGenesis);

  while (expected <= head) {
    const rows = await db
      .selectFrom("events")
      .select(COLUMNS)
      .where("position", ">=", expected)
      .where("position", "<=", head)
      .orderBy("position")
      .limit(options.pageSize ?? 2000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const position = Number(r.position);
      if (position !== expected) return report({ position: expected, reason: "missing" });
      // Formats only ever go up along the log: an older format after a newer one was put there.
      if (r.chain_format < format) return report({ position, reason: "altered" });
      const hash = sealRow(previous, { ...r, position });
      if (hash === null || hash !== r.hash) return report({ position, reason: "altered" });
      const mismatch = anchorBreak(position, hash);
      if (mismatch) return report(mismatch);
      format = r.chain_format;
      if (format === 1) legacy++;
      previous = hash;
      expected++;
      checked++;
    }
    await options.onProgress?.(checked, head);
  }
  if (expected - 1 !== head) return report({ position: expected, reason: "missing" });
  if (previous !== seq.last_hash) return report({ position: head, reason: "head-mismatch" });
  return report(await insertedPastHead(db, head));
}

/**
 * A row past the sequence that no append wrote. Rows are read before the sequence: every committed
 * append moved the sequence to at least its positions in the same transaction, so a row seen first
 * is covered by the sequence read after it, however many appends commit in between.
 */
async function insertedPastHead(db: Db, head: number): Promise<ChainBreak | null> {
  const first = await db
    .selectFrom("events")
    .select((eb) => eb.fn.min("position").as("p"))
    .where("position", ">", head)
    .executeTakeFirst();
  if (first?.p === null || first?.p === undefined) return null;
  const seq = await db.selectFrom("event_sequence").select("last_position").where("id", "=", 1).executeTakeFirstOrThrow();
  const position = Number(first.p);
  return position > Number(seq.last_position) ? { position, reason: "inserted" } : null;
}
