import { createConnection } from "mysql2/promise";
import { Redis } from "ioredis";
import { splitDatabaseUrl } from "./db/database.js";

const hostOf = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith("redis") ? 6379 : 3306)}`;
};

/**
 * Checks that MariaDB/MySQL and Redis answer before an app starts, and explains how to start the
 * one that does not, instead of a connection stack trace.
 */
export async function preflight(urls: { databaseUrl: string; redisUrl?: string }): Promise<void> {
  const problems: string[] = [];
  try {
    const conn = await createConnection({ uri: splitDatabaseUrl(urls.databaseUrl).serverUrl, connectTimeout: 3000 });
    await conn.end();
  } catch (err) {
    problems.push(
      `MySQL/MariaDB is not answering at ${hostOf(urls.databaseUrl)} (DATABASE_URL): ${(err as Error).message}\n` +
        `  start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd\n` +
        `  or with Docker: docker compose up -d mysql`,
    );
  }
  if (urls.redisUrl) {
    const redis = new Redis(urls.redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Without a listener ioredis prints the socket error with a stack trace; keep it for the message instead.
    let socketError: Error | undefined;
    redis.on("error", (err: Error) => (socketError ??= err));
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      problems.push(
        `Redis is not answering at ${hostOf(urls.redisUrl)} (REDIS_URL): ${(socketError ?? (err as Error)).message}\n` +
          `  start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n` +
          `  or with Docker: docker compose up -d redis`,
      );
    } finally {
      redis.disconnect();
    }
  }
  if (problems.length > 0) throw new PreflightError(problems.join("\n"));
}

export class PreflightError extends Error {
  override name = "PreflightError";
}
