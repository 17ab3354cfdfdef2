import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import type { Db } from "@surge/platform/db/database";
import type { EventStore } from "@surge/platform/eventstore/types";
import { jsonResponse } from "@surge/platform/http/response-text";
import { id, instant, json, jsonBody, problem, security } from "@surge/platform/http/openapi";
import { cursorParam, limitParam } from "@surge/platform/http/pagination";
import { notFound, validationFailed } from "@surge/platform/errors";
import { webhookTypes } from "./kinds.js";
import { refusedUrl } from "./url-policy.js";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, retryDelivery, webhookExists } from "./webhooks.js";
import { deleteContact, languageOf, setContact } from "./contacts.js";

const webhook = z
  .object({ webhookId: z.string(), url: z.string(), types: z.array(z.enum(webhookTypes)), description: z.string().nullable(), createdAt: instant })
  .openapi("Webhook");
const createdWebhook = webhook
  .extend({ secret: z.string().openapi({ description: "The HMAC-SHA256 key of Surge-Signature. Shown only in this answer." }) })
  .openapi("CreatedWebhook");
const delivery = z
  .object({
    deliveryId: z.string(),
    webhookId: z.string(),
    type: z.string(),
    status: z.enum(["PENDING", "DELIVERED", "FAILED"]),
    attempts: z.number().int(),
    createdAt: instant,
    lastAttemptAt: instant.nullable(),
    nextAttemptAt: instant.nullable(),
    lastError: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

const createBody = z.strictObject({
  url: z.string().min(1).max(2048),
  types: z.array(z.enum(webhookTypes)).min(1).max(webhookTypes.length),
  description: z.string().max(500).optional(),
});

const tags = ["notifications"];
const createRouteDef = createRoute({
  method: "post",
  path: "/admin/webhooks",
  tags,
  security,
  description:
    "Registers a webhook for the events appended from now on. `https://` only; `http://` and loopback or private hosts are refused unless WEBHOOK_ALLOW_INSECURE=true (the default outside production).",
  request: { body: jsonBody(createBody) },
  responses: { 201: json(createdWebhook, "Created; the secret is shown only here"), 400: problem },
});
const listRoute = createRoute({
  method: "get",
  path: "/admin/webhooks",
  tags,
  security,
  responses: { 200: json(z.object({ items: z.array(webhook), nextCursor: z.null() }), "The webhooks, without their secrets") },
});
const webhookParams = z.object({ webhookId: id });
const deleteRoute = createRoute({
  method: "delete",
  path: "/admin/webhooks/{webhookId}",
  tags,
  security,
  request: { params: webhookParams },
  responses: { 204: { description: "Deleted, with its deliveries" }, 404: problem },
});
const deliveriesRoute = createRoute({
  method: "get",
  path: "/admin/webhooks/{webhookId}/deliveries",
  tags,
  security,
  request: {
    params: webhookParams,
    query: z.object({ status: z.enum(["PENDING", "DELIVERED", "FAILED"]).optional(), limit: limitParam, cursor: cursorParam }),
  },
  responses: {
    200: json(z.object({ items: z.array(delivery), nextCursor: z.string().nullable() }), "Deliveries, newest event first"),
    400: problem,
    404: problem,
  },
});
const retryRoute = createRoute({
  method: "post",
  path: "/admin/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
  tags,
  security,
  description: "Makes the delivery due now with a fresh 24 h of retries (a FAILED one becomes PENDING; a DELIVERED one is sent again with the same id).",
  request: { params: webhookParams.extend({ deliveryId: id }) },
  responses: { 202: json(z.object({ deliveryId: z.string(), status: z.literal("PENDING") }), "Queued"), 404: problem },
});

const contact = z.object({ userId: z.string(), email: z.string(), language: z.enum(["ko", "en"]) }).openapi("Contact");
const putContactRoute = createRoute({
  method: "put",
  path: "/me/contact",
  tags,
  security,
  description: "The address notifications are emailed to, in Korean or English after the request's Accept-Language. Kept outside the event log.",
  request: { body: jsonBody(z.strictObject({ email: z.email().max(254) })) },
  responses: { 200: json(contact, "Saved"), 400: problem },
});
const deleteContactRoute = createRoute({
  method: "delete",
  path: "/me/contact",
  tags,
  security,
  description: "Erases the address and the emails not yet sent to it.",
  responses: { 204: { description: "Erased" } },
});

export interface NotificationRouteDeps {
  db: Db;
  store: EventStore;
  /** WEBHOOK_ALLOW_INSECURE, resolved (see config.ts). */
  allowInsecureWebhooks: boolean;
}

export function notificationRoutes(app: OpenAPIHono<AppEnv>, deps: NotificationRouteDeps): void {
  app.openapi(createRouteDef, async (c) => {
    const body = c.req.valid("json");
    const refused = refusedUrl(body.url, deps.allowInsecureWebhooks);
    if (refused) throw validationFailed([{ path: "url", message: refused }]);
    return jsonResponse(c, await createWebhook(deps.db, deps.store, body, new Date()), 201);
  });
  app.openapi(listRoute, async (c) => jsonResponse(c, { items: await listWebhooks(deps.db), nextCursor: null }, 200));
  app.openapi(deleteRoute, async (c) => {
    if (!(await deleteWebhook(deps.db, c.req.valid("param").webhookId))) throw notFound("webhook");
    return c.body(null, 204);
  });
  app.openapi(deliveriesRoute, async (c) => {
    const { webhookId } = c.req.valid("param");
    if (!(await webhookExists(deps.db, webhookId))) throw notFound("webhook");
    return jsonResponse(c, await listDeliveries(deps.db, webhookId, c.req.valid("query")), 200);
  });
  app.openapi(retryRoute, async (c) => {
    const { webhookId, deliveryId } = c.req.valid("param");
    if (!(await retryDelivery(deps.db, webhookId, deliveryId, new Date()))) throw notFound("delivery");
    return jsonResponse(c, { deliveryId, status: "PENDING" as const }, 202);
  });
  app.openapi(putContactRoute, async (c) => {
    const language = languageOf(c.req.header("accept-language"));
    return jsonResponse(c, await setContact(deps.db, c.get("user").id, c.req.valid("json").email, language, new Date()), 200);
  });
  app.openapi(deleteContactRoute, async (c) => {
    await deleteContact(deps.db, c.get("user").id);
    return c.body(null, 204);
  });
}
