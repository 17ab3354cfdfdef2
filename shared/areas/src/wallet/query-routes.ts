import type {} from "./tables.js";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "@surge/platform/http/app";
import type { Db } from "@surge/platform/db/database";
import { problem, queryHeaders, security } from "@surge/platform/http/query-openapi";
import { projectionHeaders } from "@surge/platform/http/read-your-writes";
import { findWallet } from "./queries.js";

const walletBody = z.object({ balance: z.number().int(), updatedAt: z.string().nullable() }).openapi("WalletView");

const myWalletRoute = createRoute({
  method: "get",
  path: "/me/wallet",
  tags: ["wallet"],
  security,
  request: { headers: queryHeaders },
  responses: {
    200: { content: { "application/json": { schema: walletBody } }, headers: projectionHeaders, description: "The caller's points balance" },
    401: problem,
    503: problem,
  },
});

export function walletRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  app.openapi(myWalletRoute, async (c) => c.json(await findWallet(deps.db, c.get("user").id), 200));
}
