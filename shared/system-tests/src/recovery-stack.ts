import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { startPrivateRedis } from "@surge/testkit/private-redis";
import type { CommandApi } from "@surge/command-api/start";
import { startApi } from "./command-harness.js";

export interface RecoveryStack {
  ctx: TestContext;
  api: CommandApi;
  /** A second replica on the same database and Redis, with deadlines short enough to watch the sweeper. */
  sweepy: CommandApi;
  admin: string;
  /** A plain client of the private Redis, for FLUSHALL and ledger surgery. */
  flusher: Redis;
  close: () => Promise<void>;
}

/** The sweepy replica's reservation deadline. */
export const RESERVATION_TTL_MS = 1500;

/** Two command-api replicas on a redis-server of the file's own: FLUSHALL must not reach other test files. */
export async function startRecoveryStack(): Promise<RecoveryStack> {
  const redis = await startPrivateRedis();
  const ctx = await createTestContext({ redisUrl: redis.url });
  const api = await startApi(ctx);
  const sweepy = await startApi(ctx, {
    GUARD_RESERVATION_TTL_MS: String(RESERVATION_TTL_MS),
    GUARD_APPEND_DEADLINE_MS: "1000",
    GUARD_SWEEP_INTERVAL_MS: "250",
  });
  const flusher = new Redis(redis.url);
  return {
    ctx,
    api,
    sweepy,
    admin: await ctx.token("admin1", "admin"),
    flusher,
    close: async () => {
      flusher.disconnect();
      await api.stop();
      await sweepy.stop();
      await ctx.close();
      await redis.stop();
    },
  };
}

/** The stack for the whole file: started before its tests (handed to `use`), closed after them. */
export function useRecoveryStack(use: (stack: RecoveryStack) => void): void {
  let stack: RecoveryStack | undefined;
  beforeAll(async () => {
    stack = await startRecoveryStack();
    use(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });
}
