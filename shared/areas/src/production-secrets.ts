import { DEV_JWT_SECRET } from "@surge/platform/config";
import { DEV_PG_WEBHOOK_SECRET } from "./payments/signature.js";

/**
 * The secrets with a published development default, which no app may start with in production:
 * with the JWT default anyone mints an admin token; with the webhook default anyone forges a
 * SUCCESS callback for their own pending card payment.
 */
export const productionSecrets = {
  JWT_SECRET: DEV_JWT_SECRET,
  PG_WEBHOOK_SECRET: DEV_PG_WEBHOOK_SECRET,
} as const;
