import { z } from "zod";

/** WEBHOOK_ALLOW_INSECURE, in the env of command-api (registration) and batch (delivery). */
export const webhookEnvShape = {
  /** http:// and loopback/private webhook URLs; unset means allowed outside NODE_ENV=production. */
  WEBHOOK_ALLOW_INSECURE: z.enum(["true", "false"]).optional(),
};

export const allowInsecureWebhooks = (env: { NODE_ENV: string; WEBHOOK_ALLOW_INSECURE?: "true" | "false" | undefined }): boolean =>
  env.WEBHOOK_ALLOW_INSECURE === undefined ? env.NODE_ENV !== "production" : env.WEBHOOK_ALLOW_INSECURE === "true";
