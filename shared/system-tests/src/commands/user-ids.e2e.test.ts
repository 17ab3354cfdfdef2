import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { http } from "@surge/testkit/http";
import { useApi } from "../command-harness.js";

/** A database created case-insensitive (MySQL 8's default is) must still keep u1 and U1 apart. */
describe.each(["utf8mb4_bin", "utf8mb4_unicode_ci"])("user ids on a database created %s", (collation) => {
  const { ctx, api } = useApi({}, { collation });

  const charge = async (user: string, amount: number, key: string) =>
    http("POST", `${api.url}/wallet/charges`, { token: await ctx.token(user), headers: { "idempotency-key": key }, body: { amount } });

  it("are compared exactly: U1 neither sees nor adds to u1's wallet", async () => {
    expect((await charge("u1", 1_000, "k1")).body).toEqual({ balance: 1_000, charged: 1_000 });
    expect((await charge("U1", 500, "k1")).body).toEqual({ balance: 500, charged: 500 });
    expect((await ctx.store.readStream("wallet-u1")).map((e) => e.data)).toMatchObject([{ amount: 1_000 }]);
    expect((await ctx.store.readStream("wallet-U1")).map((e) => e.data)).toMatchObject([{ amount: 500 }]);
  });

  it("leaves no text column of the schema comparing case-insensitively or padded", async () => {
    const { rows } = await sql<{ column_name: string; collation_name: string }>`
      SELECT column_name, collation_name FROM information_schema.columns
      WHERE table_schema = DATABASE() AND collation_name IS NOT NULL AND table_name NOT LIKE 'kysely_migration%'`.execute(ctx.db);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => !/^utf8mb4_(nopad_bin|0900_bin)$/.test(r.collation_name))).toEqual([]);
  });
});
