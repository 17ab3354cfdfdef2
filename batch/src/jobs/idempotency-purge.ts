import { purgeIdempotencyKeys, type Db, type Logger } from "@surge/shared";
import type { RedisLocks } from "../lock.js";

/** Deletes idempotency keys past their 24 h window; one batch process at a time does it. */
export async function purgeIdempotency(db: Db, locks: RedisLocks, logger: Logger): Promise<void> {
  const outcome = await locks.run("idempotency-purge", 5 * 60_000, () => purgeIdempotencyKeys(db));
  if (outcome.acquired && outcome.value > 0) logger.info({ deleted: outcome.value }, "purged expired idempotency keys");
}
