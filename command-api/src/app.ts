import { createBaseApp, requireAuth, type Dependency, type Logger, type Metrics } from "@surge/shared";
import type { ClaimDeps } from "./coupons/claim.js";
import { couponRoutes } from "./coupons/routes.js";

export interface CommandAppDeps extends ClaimDeps {
  jwtSecret: string;
  logger: Logger;
  metrics: Metrics;
  dependencies: Dependency[];
}

export function createCommandApp(deps: CommandAppDeps) {
  const app = createBaseApp({ title: "Surge command API", logger: deps.logger, metrics: deps.metrics, dependencies: deps.dependencies });
  app.use("/admin/*", requireAuth(deps.jwtSecret, "admin"));
  app.use("/coupons/*", requireAuth(deps.jwtSecret));
  couponRoutes(app, deps);
  return app;
}
