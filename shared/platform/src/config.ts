import { z } from "zod";

/** Env entries every app shares. Each app's own env.ts extends this and is the only reader of process.env. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_PRETTY: z.stringbool().optional(),
  DATABASE_URL: z.string().url().default("mysql://root@127.0.0.1:3306/surge"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  REDIS_KEY_PREFIX: z.string().default(""),
  BUSINESS_TZ: z.string().default("Asia/Seoul"),
});

export type BaseEnv = z.infer<typeof baseEnvSchema>;

export const DEV_JWT_SECRET = "surge-dev-secret-change-me-0123456789";

export const jwtEnvSchema = z.object({
  JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
});

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
const isOrigin = (text: string) => {
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
};

/** CORS_ORIGINS: comma-separated origins that get CORS headers (none by default). */
export const corsEnvSchema = z.object({
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((text) => text.split(",").map((o) => o.trim()).filter(Boolean))
    .refine((origins) => origins.every(isOrigin), "must be comma-separated origins such as https://shop.example.com"),
});

export const portSchema = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A configuration a process must not start with; its message is meant to be printed alone. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export interface ParseEnvOptions {
  /**
   * Secrets whose published development default must never run in production, by name: with
   * NODE_ENV=production each must be set, and not to that default (its value here).
   */
  productionSecrets?: Readonly<Record<string, string>>;
}

/** Parses an env source, failing with one readable line per bad entry instead of a zod dump. */
export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>, opts: ParseEnvOptions = {}): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  if (cleaned.NODE_ENV === "production") {
    for (const [name, devDefault] of Object.entries(opts.productionSecrets ?? {})) {
      if (cleaned[name] === undefined || cleaned[name] === devDefault) {
        throw new ConfigError(`${name} must be set to a secret of your own when NODE_ENV=production (it is ${cleaned[name] === undefined ? "unset" : "the published development default"})`);
      }
    }
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}
