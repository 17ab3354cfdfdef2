import { z } from "zod";
import type { TokenVerifierOptions } from "./http/token-verifier.js";

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

export const DEFAULT_JWT_MAX_TTL_S = 86_400;

/** How the HTTP apps check bearer tokens; `jwtVerifierOptions` turns these into the verifier's options. */
export const jwtEnvSchema = z.object({
  JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
  /** HS256 signs with JWT_SECRET; ES256 and EdDSA are checked with JWT_PUBLIC_KEY or JWT_JWKS_URL. */
  JWT_ALG: z.enum(["HS256", "ES256", "EdDSA"]).default("HS256"),
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  JWT_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(5),
  JWT_MAX_TTL_S: z.coerce.number().int().min(1).default(DEFAULT_JWT_MAX_TTL_S),
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
    .transform((text) =>
      text
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((origins) => origins.every(isOrigin), "must be comma-separated origins such as https://shop.example.com"),
});

export type JwtEnv = z.infer<typeof jwtEnvSchema>;

/** The one place env becomes token verifier options; a contradictory setting fails here, before the app starts. */
export function jwtVerifierOptions(env: JwtEnv): TokenVerifierOptions {
  const rules = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, clockSkewS: env.JWT_CLOCK_SKEW_S, maxTtlS: env.JWT_MAX_TTL_S };
  const { JWT_ALG: alg, JWT_PUBLIC_KEY: pem, JWT_JWKS_URL: jwksUrl } = env;
  if (alg === "HS256") {
    if (pem !== undefined || jwksUrl !== undefined)
      throw new ConfigError("JWT_PUBLIC_KEY and JWT_JWKS_URL need JWT_ALG=ES256 or EdDSA (JWT_ALG is HS256, which uses JWT_SECRET)");
    return { key: { alg, secret: env.JWT_SECRET }, ...rules };
  }
  if ((pem === undefined) === (jwksUrl === undefined)) throw new ConfigError(`JWT_ALG=${alg} needs exactly one of JWT_PUBLIC_KEY and JWT_JWKS_URL`);
  // A PEM put on one line of an env file arrives with its line breaks written as a literal \n.
  return { key: pem !== undefined ? { alg, publicKeyPem: pem.replaceAll("\\n", "\n") } : { alg, jwksUrl: jwksUrl! }, ...rules };
}

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
        throw new ConfigError(
          `${name} must be set to a secret of your own when NODE_ENV=production (it is ${cleaned[name] === undefined ? "unset" : "the published development default"})`,
        );
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
