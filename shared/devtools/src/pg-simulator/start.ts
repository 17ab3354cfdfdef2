import { randomInt } from "node:crypto";
import { createLogger } from "@surge/platform/logging";
import { listen } from "@surge/platform/http/server";
import { Stack } from "@surge/platform/lifecycle";
import { configFromEnv, type PgSimulatorEnv } from "./env.js";
import { DEV_PG_WEBHOOK_SECRET } from "@surge/areas/payments/signature";
import { PgGateway, type CallbackRetry } from "./gateway.js";
import { createPgSimulatorApp } from "./routes.js";

export interface PgSimulatorOptions {
  /** Callback retry policy; tests shorten the backoff. */
  callbackRetry?: Partial<CallbackRetry>;
}

/** The composition root of the PG simulator: one in-memory gateway behind one HTTP server. */
export async function startPgSimulator(env: PgSimulatorEnv, options: PgSimulatorOptions = {}) {
  const logger = createLogger("pg-simulator", env.LOG_LEVEL, env.LOG_PRETTY ?? false);
  if (env.PG_WEBHOOK_SECRET === DEV_PG_WEBHOOK_SECRET && env.NODE_ENV !== "test") {
    logger.warn("PG_WEBHOOK_SECRET is the development default. Set it (the same value command-api verifies with) outside development.");
  }
  const stack = new Stack();
  const seed = env.PG_SIM_SEED ?? randomInt(0, 2 ** 32 - 1);
  const gateway = new PgGateway({
    config: configFromEnv(env),
    seed,
    secret: env.PG_WEBHOOK_SECRET,
    logger,
    ...(options.callbackRetry ? { callbackRetry: options.callbackRetry } : {}),
  });
  stack.add(() => gateway.stop());

  const app = createPgSimulatorApp(gateway, logger);
  const server = await listen(app.fetch, env.PG_SIMULATOR_PORT, { hostname: env.PG_SIMULATOR_HOST });
  stack.add(() => server.close());
  logger.info({ url: server.url, seed, config: gateway.config() }, "pg-simulator listening");
  return { url: server.url, port: server.port, address: server.address, logger, gateway, stop: () => stack.stop() };
}

export type PgSimulator = Awaited<ReturnType<typeof startPgSimulator>>;
