import type { Migration } from "kysely";
import type { Db } from "@surge/platform/db/database";
import { runMigrations } from "@surge/platform/db/migrate";
import * as eventStore from "./20261121T0700_event_store.js";
import * as readModels from "./20261121T0710_read_models.js";
import * as idempotency from "./20261121T0800_idempotency.js";
import * as salesReadModels from "./20261121T0910_sales_read_models.js";
import * as walletReadModel from "./20261121T1010_wallet_read_model.js";
import * as productMetrics from "./20261121T1200_product_metrics.js";
import * as kafka from "./20261121T1300_kafka.js";
import * as idempotencyInRedis from "./20261121T1400_idempotency_in_redis.js";
import * as catalogCartEngagement from "./20261122T0900_catalog_cart_engagement.js";
import * as binaryIds from "./20261203T2300_binary_ids.js";
import * as chainFormat from "./20261204T0900_chain_format.js";
import * as paymentRetries from "./20261205T0900_payment_retries.js";
import * as couponClaimsRecent from "./20261205T1000_coupon_claims_recent.js";
import * as notifications from "./20261205T0900_notifications.js";

/** Static list instead of a folder scan, so migrations work the same from src (tsx) and dist. */
export const migrations: Record<string, Migration> = {
  "20261121T0700_event_store": eventStore,
  "20261121T0710_read_models": readModels,
  "20261121T0800_idempotency": idempotency,
  "20261121T0910_sales_read_models": salesReadModels,
  "20261121T1010_wallet_read_model": walletReadModel,
  "20261121T1200_product_metrics": productMetrics,
  "20261121T1300_kafka": kafka,
  "20261121T1400_idempotency_in_redis": idempotencyInRedis,
  "20261122T0900_catalog_cart_engagement": catalogCartEngagement,
  "20261203T2300_binary_ids": binaryIds,
  "20261204T0900_chain_format": chainFormat,
  "20261205T0900_payment_retries": paymentRetries,
  "20261205T1000_coupon_claims_recent": couponClaimsRecent,
  "20261205T0900_notifications": notifications,
};

/** Brings a database to the latest schema; returns the migrations that ran. */
export const migrateToLatest = (db: Db): Promise<string[]> => runMigrations(db, migrations);
