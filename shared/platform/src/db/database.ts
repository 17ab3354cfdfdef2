import { Kysely, MysqlDialect } from "kysely";
import { createPool, type Pool } from "mysql2";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;

export interface DbOptions {
  url: string;
  poolSize?: number;
}

function poolFor(url: string, poolSize: number): Pool {
  return createPool({
    uri: url,
    connectionLimit: poolSize,
    // All instants are stored as UTC DATETIME(3); the session zone must agree on MySQL and MariaDB.
    timezone: "Z",
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    enableKeepAlive: true,
    // The event store sends an append as two round trips of several statements each. Every query
    // is built by kysely with bound parameters; no SQL is ever assembled from input.
    multipleStatements: true,
  });
}

export function createDb({ url, poolSize = 10 }: DbOptions): Db {
  const pool = poolFor(url, poolSize);
  pool.on("connection", (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
}

/** Splits `mysql://…/name` into the server URL and the database name. */
export function splitDatabaseUrl(url: string): { serverUrl: string; database: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) throw new Error(`DATABASE_URL must name a database: ${url}`);
  u.pathname = "/";
  return { serverUrl: u.toString(), database };
}

/**
 * Creates the database named in the URL when it is missing (first start on a fresh machine). The
 * migrations make every column binary whatever the database was created with; tests pass a
 * case-insensitive collation to prove it.
 */
export async function ensureDatabase(url: string, collation = "utf8mb4_bin"): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(collation)) throw new Error(`not a collation name: ${collation}`);
  const { serverUrl, database } = splitDatabaseUrl(url);
  const pool = poolFor(serverUrl, 1).promise();
  try {
    await pool.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE ${collation}`);
  } finally {
    await pool.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const { serverUrl, database } = splitDatabaseUrl(url);
  const pool = poolFor(serverUrl, 1).promise();
  try {
    await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await pool.end();
  }
}
