import { readFileSync } from "node:fs";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "@surge/platform/http/app";

/** query-api/assets/dashboard, from src/dashboard (tsx) and dist/dashboard (built) alike. */
const assets = new URL("../../assets/dashboard/", import.meta.url);

const files = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
} as const;

/**
 * The page loads only its own two files and talks only to this origin's public reads and live
 * streams: nothing is fetched from anywhere else at run time, and the policy says so to the browser.
 */
const headersOf = (type: string) => ({
  "content-type": type,
  "cache-control": "no-cache",
  "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
});

const dashboardRoute = createRoute({
  method: "get",
  path: "/dashboard",
  tags: ["dashboard"],
  description:
    "The live dashboard (public web page): the open and upcoming sale events and coupon drops; for the chosen one, remaining units, " +
    "orders or claims per second and the top products, fed by /events/{eventId}/live and /coupons/{couponId}/live. Its script and " +
    "style are /dashboard/app.js and /dashboard/app.css.",
  responses: { 200: { content: { "text/html": { schema: z.string() } }, description: "The page" } },
});

/** GET /dashboard and its two assets, read once at start: a few kilobytes, served from memory. */
export function dashboardRoutes(app: OpenAPIHono<AppEnv>): void {
  const body = Object.fromEntries(Object.keys(files).map((name) => [name, readFileSync(new URL(name, assets), "utf8")])) as Record<keyof typeof files, string>;
  app.openapi(dashboardRoute, (c) => c.body(body["index.html"], 200, headersOf(files["index.html"])));
  for (const name of ["app.js", "app.css"] as const) app.get(`/dashboard/${name}`, (c) => c.body(body[name], 200, headersOf(files[name])));
}
