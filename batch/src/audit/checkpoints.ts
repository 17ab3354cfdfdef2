import { createHmac, timingSafeEqual } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
import { z } from "zod";
import type { Anchor } from "@surge/platform/eventstore/chain";

/**
 * A signed checkpoint: the chain's hash at a position, at a time, under an HMAC-SHA256 key held
 * away from the database. Kept outside the database (a file on another host, a write-once store
 * behind a URL), it is what exposes a rewrite of the whole chain by someone who can write to the
 * database: their recomputed chain no longer has the signed hash at that position.
 */
export interface Checkpoint extends Anchor {
  at: string;
}

export interface SignedCheckpoint extends Checkpoint {
  sig: string;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const lineSchema = z.object({ position: z.number().int().min(0), hash: hex64, at: z.iso.datetime(), sig: hex64 });

// Every field in a fixed order with a label, so a signature can never be moved to other values.
const signedText = (c: Checkpoint) => `surge-audit-checkpoint-v1\n${c.position}\n${c.hash}\n${c.at}`;
const mac = (secret: string, c: Checkpoint) => createHmac("sha256", secret).update(signedText(c)).digest("hex");

export function signCheckpoint(secret: string, c: Checkpoint): SignedCheckpoint {
  return { position: c.position, hash: c.hash, at: c.at, sig: mac(secret, c) };
}

export type CheckpointProblem = { line: number; problem: "unreadable" | "bad signature" };

export interface CheckpointFile {
  valid: SignedCheckpoint[];
  problems: CheckpointProblem[];
}

/** Reads a JSON-lines checkpoint file; every line that is not a checkpoint signed with `secret` is a problem. */
export function parseCheckpoints(secret: string, text: string): CheckpointFile {
  const valid: SignedCheckpoint[] = [];
  const problems: CheckpointProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    let parsed: SignedCheckpoint;
    try {
      parsed = lineSchema.parse(JSON.parse(raw));
    } catch {
      problems.push({ line: i + 1, problem: "unreadable" });
      return;
    }
    const ok = timingSafeEqual(Buffer.from(mac(secret, parsed), "hex"), Buffer.from(parsed.sig, "hex"));
    if (ok) valid.push(parsed);
    else problems.push({ line: i + 1, problem: "bad signature" });
  });
  return { valid, problems };
}

export async function readCheckpointFile(secret: string, path: string): Promise<CheckpointFile> {
  return parseCheckpoints(secret, await readFile(path, "utf8"));
}

/** The newest valid checkpoint of a file, or none when the file does not exist yet. */
export async function lastCheckpoint(secret: string, path: string): Promise<CheckpointFile & { last: SignedCheckpoint | null }> {
  let file: CheckpointFile;
  try {
    file = await readCheckpointFile(secret, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { valid: [], problems: [], last: null };
    throw err;
  }
  const last = file.valid.reduce<SignedCheckpoint | null>((best, c) => (best === null || c.position >= best.position ? c : best), null);
  return { ...file, last };
}

/** One line per checkpoint, appended in one write so a reader never sees half of one. Owner-only file. */
export async function appendCheckpoint(path: string, c: SignedCheckpoint): Promise<void> {
  await appendFile(path, `${JSON.stringify(c)}\n`, { encoding: "utf8", mode: 0o600, flag: "a" });
}

/** POSTs the checkpoint as JSON; anything but a 2xx answer is a failure. */
export async function postCheckpoint(url: string, c: SignedCheckpoint, timeoutMs = 10_000): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(c),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`checkpoint POST to ${url} answered ${res.status}`);
}
