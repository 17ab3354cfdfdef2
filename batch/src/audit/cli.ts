import { parseArgs } from "node:util";
import { createDb, type Db } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { verifyChain, type ChainBreak, type VerifyReport } from "@surge/platform/eventstore/chain";
import { readEnv, type BatchEnv } from "../env.js";
import { progressBar } from "./progress.js";
import {
  appendCheckpoint,
  lastCheckpoint,
  postCheckpoint,
  readCheckpointFile,
  signCheckpoint,
  type CheckpointProblem,
  type SignedCheckpoint,
} from "./checkpoints.js";

/**
 * `npm run audit -- <command>`. Exit codes: 0 intact (or done), 1 tampering found or a checkpoint
 * could not be written, 2 usage or configuration.
 */
const usage = `usage: npm run audit -- <command>

  verify [--checkpoints <file>]
      walk the hash chain up to the head at the start (appends during the walk are left for the
      next run) and name the first altered, missing or inserted event; with --checkpoints, also
      check the chain against the signed checkpoints in <file>, which exposes a rewrite of the
      whole chain (needs AUDIT_CHECKPOINT_SECRET)
  checkpoint [--file <path>] [--url <url>]
      verify the chain (from the last checkpoint in <file>, if any), then sign its head (position,
      hash, time) with AUDIT_CHECKPOINT_SECRET and append it to <file> as a JSON line and/or POST
      it to <url> (defaults: AUDIT_CHECKPOINT_FILE, AUDIT_CHECKPOINT_URL)
  stream <streamId>
      print a stream's history
`;

class UsageError extends Error {}

function parse() {
  const { values, positionals } = parseArgs({
    options: { checkpoints: { type: "string" }, file: { type: "string" }, url: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
    allowPositionals: true,
    strict: true,
  });
  return { values, positionals };
}

function describeBreak(b: ChainBreak, head: number, checkpoints: SignedCheckpoint[]): string {
  const signedAt = (position: number) => checkpoints.find((c) => c.position === position)?.at ?? "?";
  switch (b.reason) {
    case "anchor-mismatch":
      return (
        `REWRITTEN: the chain at position ${b.position} does not match the checkpoint signed at ${signedAt(b.position)}: ` +
        `an event ${b.agreedUpTo > 0 ? `after position ${b.agreedUpTo} (the last checkpoint it matches) and ` : ""}` +
        `at or before position ${b.position} was changed and the hashes after it recomputed`
      );
    case "truncated":
      return `TRUNCATED: the checkpoint signed at ${signedAt(b.position)} vouches for position ${b.position}, but the log ends at ${head}: events were deleted`;
    case "head-mismatch":
      return `TAMPERED: the chain's end at position ${b.position} does not match the sequence row (the log's tail or the sequence was changed)`;
    case "altered":
    case "inserted":
    case "missing":
      return `TAMPERED: event at position ${b.position} is ${b.reason}`;
  }
}

const describeProblem = (p: CheckpointProblem) => `FORGED: checkpoint file line ${p.line}: ${p.problem}`;

function legacyNote(report: VerifyReport): string {
  return report.legacy > 0 ? ` (${report.legacy} of them sealed before format 2: their event id, tag and times are not covered)` : "";
}

function secretOf(env: BatchEnv): string {
  if (!env.AUDIT_CHECKPOINT_SECRET) throw new UsageError("AUDIT_CHECKPOINT_SECRET must be set (32+ characters) to sign or check checkpoints");
  return env.AUDIT_CHECKPOINT_SECRET;
}

async function verify(db: Db, env: BatchEnv, checkpointsPath: string | undefined): Promise<number> {
  // Read before the walk reads the head: a checkpoint written meanwhile cannot then lie past it.
  const file =
    checkpointsPath === undefined
      ? { valid: [], problems: [] }
      : await readCheckpointFile(secretOf(env), checkpointsPath).catch((err: Error) => {
          throw new UsageError(`cannot read the checkpoint file: ${err.message}`);
        });
  const report = await verifyChain(db, { anchors: file.valid, onProgress: progressBar("verify") });
  for (const p of file.problems) console.error(describeProblem(p));
  if (report.broken) {
    console.error(`${describeBreak(report.broken, report.headPosition, file.valid)} (checked ${report.checked} of ${report.headPosition})`);
    return 1;
  }
  const anchored = checkpointsPath === undefined ? "" : `, matches ${report.anchored} signed checkpoint(s)`;
  console.log(`OK: ${report.checked} events, chain intact up to position ${report.headPosition}${anchored}${legacyNote(report)}`);
  return file.problems.length > 0 ? 1 : 0;
}

async function checkpoint(db: Db, env: BatchEnv, filePath: string | undefined, url: string | undefined): Promise<number> {
  const secret = secretOf(env);
  if (filePath === undefined && url === undefined) throw new UsageError("checkpoint needs --file or --url (or AUDIT_CHECKPOINT_FILE / AUDIT_CHECKPOINT_URL)");
  const previous = filePath === undefined ? { valid: [], problems: [], last: null } : await lastCheckpoint(secret, filePath);
  if (previous.problems.length > 0) {
    for (const p of previous.problems) console.error(describeProblem(p));
    console.error("no checkpoint written: the checkpoint file holds lines this secret did not sign");
    return 1;
  }
  // Never sign a chain that does not extend the last signed one.
  const report = await verifyChain(db, { ...(previous.last ? { from: previous.last } : {}), onProgress: progressBar("verify") });
  if (report.broken) {
    console.error(describeBreak(report.broken, report.headPosition, previous.valid));
    console.error("no checkpoint written");
    return 1;
  }
  const signed = signCheckpoint(secret, { position: report.headPosition, hash: report.headHash, at: new Date().toISOString() });
  if (filePath !== undefined) await appendCheckpoint(filePath, signed);
  if (url !== undefined) await postCheckpoint(url, signed);
  const where = [filePath && `appended to ${filePath}`, url && `posted to ${url}`].filter(Boolean).join(", ");
  console.log(`checkpoint: position ${signed.position} hash ${signed.hash} at ${signed.at} (${report.checked} new events verified), ${where}`);
  return 0;
}

async function main(): Promise<number> {
  const { values, positionals } = parse();
  const [command, arg] = positionals;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const env = readEnv();
  const db = createDb({ url: env.DATABASE_URL, poolSize: 2 });
  try {
    if (command === "verify" && positionals.length === 1) return await verify(db, env, values.checkpoints);
    if (command === "checkpoint" && positionals.length === 1)
      return await checkpoint(db, env, values.file ?? env.AUDIT_CHECKPOINT_FILE, values.url ?? env.AUDIT_CHECKPOINT_URL);
    if (command === "stream" && arg) {
      const events = await new MysqlEventStore(db).readStream(arg);
      if (events.length === 0) {
        console.error(`no stream ${arg}`);
        return 1;
      }
      for (const e of events) {
        console.log(`#${e.position} v${e.version} ${e.occurredAt.toISOString()} ${e.type} ${JSON.stringify(e.data)} ${JSON.stringify(e.metadata)}`);
      }
      return 0;
    }
    throw new UsageError(usage);
  } finally {
    await db.destroy();
  }
}

let exitCode: number;
try {
  exitCode = await main();
} catch (err) {
  const expected =
    err instanceof UsageError ||
    (err instanceof Error && (err.name === "ConfigError" || String((err as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")));
  console.error(expected ? err.message : err);
  exitCode = expected ? 2 : 1;
}
process.exit(exitCode);
