export { startPgSimulator, type PgSimulator, type PgSimulatorOptions } from "./start.js";
export { readEnv, DEV_PG_WEBHOOK_SECRET, type PgSimulatorEnv } from "./env.js";
export { signBody, verifySignature, PG_SIGNATURE_HEADER } from "./signature.js";
export type { PgSimConfig, PgSimConfigPatch } from "./config.js";
export type { CardType, PaymentOutcome, PaymentStatus, PaymentRequest, PgCallbackBody, TransactionView, PgGateway } from "./gateway.js";
