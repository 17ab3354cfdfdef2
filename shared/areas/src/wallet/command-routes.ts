import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import { chargeWallet, type WalletDeps } from "./charge.js";
import { commandContext, positionHeader, requiredKeyedIdFor } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { idempotencyKeyParameter, json, jsonBody, problem, security } from "@surge/platform/http/openapi";

const chargeRoute = createRoute({
  method: "post",
  path: "/wallet/charges",
  tags: ["wallet"],
  security,
  parameters: [idempotencyKeyParameter(true)],
  request: {
    body: jsonBody(z.strictObject({ amount: z.number().int().min(1).max(1_000_000) })),
  },
  responses: { 200: json(z.object({ balance: z.number(), charged: z.number() }).openapi("Charge"), "Charged"), 400: problem, 409: problem },
});

const CHARGE_ID_NAMESPACE = "5d2a8f61-7c3e-4b9a-a0d4-2e6f1c8b9a37";

export function walletRoutes(app: OpenAPIHono<AppEnv>, deps: WalletDeps): void {
  app.openapi(chargeRoute, async (c) => {
    const ctx = commandContext(c);
    const chargeId = requiredKeyedIdFor(c, CHARGE_ID_NAMESPACE);
    const { balance, charged, position, replayed } = await chargeWallet(deps, chargeId, c.req.valid("json").amount, ctx);
    positionHeader(c, position, replayed);
    return jsonResponse(c, { balance, charged }, 200);
  });
}
