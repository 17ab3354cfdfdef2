import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import { AppError } from "@surge/platform/errors";
import { applyOrderCommand, type PaymentDeps, payWithPoints, requestCardPayment } from "./pay.js";
import { outcomeOf } from "./outcome.js";
import { systemContext } from "@surge/platform/command/context";
import { commandContext, positionHeader, requiredKeyedIdFor } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { id, idempotencyKeyParameter, json, jsonBody, problem, security } from "@surge/platform/http/openapi";
import { PG_SIGNATURE_HEADER, verifySignature } from "./signature.js";
import type { CardSubmitter } from "./submitter.js";
import type { Logger } from "pino";

const cardType = z.enum(["SAMSUNG", "KB", "HYUNDAI"]);
const payBody = z.discriminatedUnion("method", [
  z.strictObject({ method: z.literal("POINTS") }),
  z.strictObject({
    method: z.literal("CARD"),
    card: z.strictObject({ type: cardType, number: z.string().regex(/^\d{4}-\d{4}-\d{4}-\d{4}$/, "must look like 1234-5678-9012-3456") }),
  }),
]);
const paymentView = z
  .object({ paymentId: z.string(), orderId: z.string(), method: z.enum(["POINTS", "CARD"]), status: z.string(), amount: z.number() })
  .openapi("Payment");

const payRoute = createRoute({
  method: "post",
  path: "/orders/{orderId}/payments",
  tags: ["payments"],
  security,
  parameters: [idempotencyKeyParameter(true)],
  request: { params: z.object({ orderId: id }), body: jsonBody(payBody) },
  responses: { 200: json(paymentView, "Paid with points"), 202: json(paymentView, "Card payment pending"), 404: problem, 409: problem },
});

const callbackBody = z.object({
  transactionKey: z.string(),
  orderId: z.string(),
  paymentId: z.string(),
  // Checked against the submitted payment: a callback without it cannot be.
  amount: z.number(),
  status: z.enum(["SUCCESS", "LIMIT_EXCEEDED", "INVALID_CARD"]),
});

/** Payment ids derive from (user, Idempotency-Key): a retried request can never start a second payment. */
const PAYMENT_ID_NAMESPACE = "1b7c9e52-3f0a-4c8e-8d21-6a5f4e3b2c10";

export interface PaymentRouteDeps extends PaymentDeps {
  submitter: CardSubmitter;
  logger: Logger;
  webhookSecret: string;
  callbackUrl: () => string;
}

export function paymentRoutes(app: OpenAPIHono<AppEnv>, deps: PaymentRouteDeps): void {
  app.openapi(payRoute, async (c) => {
    const ctx = commandContext(c);
    const user = c.get("user");
    const owner = { userId: user.id, isAdmin: user.role === "admin" };
    const orderId = c.req.valid("param").orderId;
    const paymentId = requiredKeyedIdFor(c, PAYMENT_ID_NAMESPACE);
    const body = c.req.valid("json");
    if (body.method === "POINTS") {
      const { payment, position, replayed } = await payWithPoints(deps, orderId, paymentId, ctx, owner);
      positionHeader(c, position, replayed);
      return jsonResponse(c, payment, 200);
    }
    const { payment, order, position, replayed } = await requestCardPayment(deps, orderId, paymentId, body.card, ctx, owner);
    // A replayed request was submitted by its first run; submitting again could charge twice.
    if (!replayed)
      deps.submitter.enqueue({ orderId, paymentId, card: body.card, amount: payment.amount, callbackUrl: deps.callbackUrl() }, Date.parse(order.expiresAt));
    positionHeader(c, position, replayed);
    return jsonResponse(c, payment, 202);
  });

  // Public: the gateway calls it. The signature over the raw bytes is the authentication.
  app.post("/pg/callback", async (c) => {
    const raw = await c.req.text();
    if (!verifySignature(raw, c.req.header(PG_SIGNATURE_HEADER), deps.webhookSecret)) throw new AppError("UNAUTHENTICATED", "Bad or missing X-PG-Signature.");
    let parsed;
    try {
      parsed = callbackBody.safeParse(JSON.parse(raw));
    } catch {
      throw new AppError("VALIDATION_FAILED", "Malformed JSON in request body");
    }
    if (!parsed.success) throw new AppError("VALIDATION_FAILED", "Not a payment callback.");
    const { orderId, paymentId, transactionKey, amount } = parsed.data;
    const outcome = outcomeOf(parsed.data)!;
    const { state, position } = await applyOrderCommand(
      deps,
      orderId,
      { type: "SettlePayment", paymentId, outcome, report: { transactionKey, amount }, now: new Date() },
      systemContext("pg-callback"),
    ).catch((err: unknown) => {
      // Signed, yet not the payment that was submitted: a gateway fault or a leaked secret; someone must look.
      if (err instanceof AppError && err.code === "PAYMENT_MISMATCH")
        deps.logger.error({ orderId, paymentId, transactionKey, amount, status: parsed.data.status, reason: err.message }, "payment callback refused");
      throw err;
    });
    if (position !== null) positionHeader(c, position);
    return jsonResponse(c, { received: true, orderStatus: state.status, paymentStatus: state.payment?.status ?? null }, 200);
  });
}
