import type { AppEnv, CommandContext } from "@surge/shared";
import type { Context } from "hono";

export const commandContext = (c: Context<AppEnv>): CommandContext => ({
  userId: c.get("user").id,
  correlationId: c.get("requestId"),
  now: new Date(),
  requestHash: c.get("requestHash"),
});
