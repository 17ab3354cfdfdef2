import { baseEnvSchema, parseEnv, type BaseEnv } from "../config/index.js";

/** The only reader of process.env in shared/src/bin: the launcher and the migrator share one config. */
export function readEnv(): BaseEnv {
  return parseEnv(baseEnvSchema, process.env);
}

/**
 * What each app started by the launcher sees: the launcher's own environment, so every app reads
 * the same settings, with human-readable logs because a person is watching this terminal.
 */
export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LOG_PRETTY: "true" };
}
