import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler, Next } from "hono";
import { AppError, validationFailed } from "../errors.js";
import { requestHeader, responseHeader } from "./node-headers.js";
import type { ProjectionPosition } from "./projection-position.js";
import type { StoreHead } from "./store-head.js";
import type { AppEnv } from "./app.js";

/** readModel's own view: it stamps the position before anything reads it. */
type PositionEnv = { Variables: { projectionPosition: number } };

/** `X-Min-Position`: a global position from a command's `X-Position`. */
export const minPositionHeader = z
  .string()
  .regex(/^\d{1,15}$/, "must be a non-negative integer")
  .openapi({
    description: "Wait (up to 5 s) until the read models include every event up to this position; a position beyond the event store's head is 400",
    example: "42",
  });

export const projectionHeaders = z.object({
  "X-Projection-Position": z.string().openapi({ description: "Every event up to this position is in the read models" }),
});

/**
 * Read-your-writes for one query path, in one middleware. The checkpoint is taken before anything
 * is read, so X-Projection-Position never claims more than the response reflects, and stamped at
 * once on whatever response follows, errors included. `auth`, when the path has it, answers
 * (401/403) before anyone waits; then `X-Min-Position` holds the request until the projector has
 * caught up, or answers 503 PROJECTION_LAG. A position the store has not reached yet is 400 at
 * once: it may never exist, and waiting for it would only hold a connection for `waitMs`.
 */
export function readModel(
  { position, head, waitMs }: { position: ProjectionPosition; head: StoreHead; waitMs: number },
  auth?: MiddlewareHandler,
): MiddlewareHandler<PositionEnv> {
  const stamp = (c: Context<PositionEnv>, at: number) => {
    c.set("projectionPosition", at);
    responseHeader(c, "X-Projection-Position", String(at));
  };
  const reach = async (c: Context<PositionEnv>, raw: string) => {
    const parsed = minPositionHeader.safeParse(raw.trim());
    if (!parsed.success) throw validationFailed([{ path: "X-Min-Position", message: "must be a non-negative integer" }]);
    const min = Number(parsed.data);
    if (c.get("projectionPosition") >= min) return;
    if (!(await head.covers(min))) {
      throw validationFailed(
        [{ path: "X-Min-Position", message: "is beyond the last position the event store has appended" }],
        `Position ${min} does not exist yet.`,
      );
    }
    stamp(c, await position.waitFor(min, waitMs));
    const at = c.get("projectionPosition");
    if (at < min) {
      throw new AppError("PROJECTION_LAG", `The read models are at position ${at} and did not reach ${min} within ${waitMs} ms.`, {
        retryAfterS: 1,
      });
    }
  };
  // Plain functions, not async ones, so the common request (a fresh checkpoint, no X-Min-Position)
  // costs no promise of its own: every query passes here.
  const wait = (c: Context<PositionEnv>, next: Next) => {
    const raw = requestHeader(c, "x-min-position");
    return raw === undefined ? next() : reach(c, raw).then(next);
  };
  const afterStamp = auth ? (c: Context<PositionEnv>, next: Next) => auth(c, () => wait(c, next)) : wait;
  return (c, next) => {
    const known = position.fresh();
    if (known !== undefined) {
      stamp(c, known);
      return afterStamp(c, next);
    }
    return position.current().then((at) => {
      stamp(c, at);
      return afterStamp(c, next);
    });
  };
}

/** The checkpoint readModel took for this request, the one X-Projection-Position says. */
export function projectionPositionOf(c: Context<AppEnv>): number {
  const at = c.get("projectionPosition");
  if (at === undefined) throw new Error(`readModel does not run on ${c.req.path}`);
  return at;
}
