import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { AppError, notFound, validationFailed } from "@surge/platform/errors";
import { errorHandler, problemResponse } from "@surge/platform/http/problem";
import { MAX_BODY_BYTES } from "@surge/platform/http/app";
import { zodFieldErrors } from "@surge/platform/http/validation";
import { type Logger } from "pino";
import { configPatchSchema } from "./config.js";
import { CARD_TYPES, type PgGateway } from "./gateway.js";

const id = z.string().trim().min(1).max(100);

export const paymentRequestSchema = z.strictObject({
  orderId: id,
  paymentId: id,
  card: z.strictObject({
    type: z.enum(CARD_TYPES),
    number: z.string().regex(/^\d{4}-\d{4}-\d{4}-\d{4}$/, "card number must look like 1234-5678-9012-3456"),
  }),
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  callbackUrl: z.url({ protocol: /^https?$/ }),
});

const orderQuerySchema = z.object({ orderId: id });

async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw validationFailed([{ path: "(body)", message: "The body must be JSON." }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw validationFailed(zodFieldErrors(result.error));
  return result.data;
}

/** The simulator's HTTP surface: plain hono, errors as problem+json like every Surge app. */
export function createPgSimulatorApp(gateway: PgGateway, logger: Logger) {
  const app = new Hono();
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );

  app.get("/health", (c) => c.json({ status: "ok" }));

  app.get("/config", (c) => c.json(gateway.config()));
  app.put("/config", async (c) => {
    const result = gateway.updateConfig(await jsonBody(c, configPatchSchema));
    if (!result.ok) throw validationFailed(result.issues.map((i) => ({ path: i.field, message: i.message })));
    return c.json(result.config);
  });

  app.post("/payments", async (c) => {
    const req = await jsonBody(c, paymentRequestSchema);
    const result = await gateway.request(req);
    switch (result.kind) {
      case "accepted":
        return c.json({ transactionKey: result.transaction.transactionKey, status: result.transaction.status }, 201);
      case "duplicate":
        return c.json({ transactionKey: result.transaction.transactionKey, status: result.transaction.status }, 200);
      case "conflict":
        throw new AppError("CONFLICT", "This paymentId was already used for a different payment.", { extra: { transactionKey: result.transactionKey } });
      case "failed":
        // Simulated, so answered directly: not worth an error log line per request.
        return problemResponse(new AppError("INTERNAL", "The payment gateway failed to process the request. Nothing was accepted; retry."));
      case "stopped":
        return problemResponse(new AppError("UNAVAILABLE", "The payment gateway is shutting down."));
    }
  });

  app.get("/payments", (c) => {
    const query = orderQuerySchema.safeParse(c.req.query());
    if (!query.success) throw validationFailed(zodFieldErrors(query.error));
    return c.json({ items: gateway.listByOrder(query.data.orderId) });
  });

  app.get("/payments/:transactionKey", (c) => {
    const t = gateway.get(c.req.param("transactionKey"));
    if (!t) throw notFound("Transaction");
    return c.json(t);
  });

  app.post("/payments/:transactionKey/refund", (c) => {
    const result = gateway.refund(c.req.param("transactionKey"));
    if (result.kind === "not-found") throw notFound("Transaction");
    if (result.kind === "not-refundable") {
      throw new AppError("INVALID_STATE", `Only a SUCCESS payment can be refunded; this one is ${result.status}.`, { extra: { status: result.status } });
    }
    return c.json(result.transaction);
  });

  app.notFound(() => problemResponse(new AppError("NOT_FOUND", "No such route.")));
  app.onError(errorHandler(logger));
  return app;
}
