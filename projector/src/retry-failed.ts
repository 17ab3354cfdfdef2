import { createDb } from "@surge/platform/db/database";
import { createLogger } from "@surge/platform/logging";
import type { ProjectorEnv } from "./env.js";
import { retryFailed } from "@surge/platform/projection/failures";
import { handlersFor } from "@surge/areas/projections";

/**
 * `npm run projector -- retry-failed`: applies the dead-lettered events again (after a fix was
 * deployed) and exits non-zero if some still fail. Safe while the projector runs.
 */
export async function runRetryFailed(env: ProjectorEnv): Promise<number> {
  const logger = createLogger("projector", env.LOG_LEVEL, env.LOG_PRETTY ?? false);
  const db = createDb({ url: env.DATABASE_URL, poolSize: 2 });
  try {
    const outcome = await retryFailed(db, handlersFor(env.BUSINESS_TZ), logger);
    logger.info(outcome, "retry-failed done");
    return outcome.failed > 0 ? 1 : 0;
  } finally {
    await db.destroy();
  }
}
