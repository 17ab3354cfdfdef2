import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createBaseApp } from "./app.js";
import { requireAuth, signToken } from "./auth.js";
import { createMetrics } from "./metrics.js";
import { TokenVerifier } from "./token-verifier.js";

const SECRET = "auth-unit-test-secret-0123456789";
const verifier = new TokenVerifier({ key: { alg: "HS256", secret: SECRET }, clockSkewS: 5, maxTtlS: 86_400 });

function testApp() {
  const app = createBaseApp({ title: "test", logger: pino({ level: "silent" }), metrics: createMetrics("test"), dependencies: [] });
  const ran = { handler: 0 };
  app.use("/me/*", requireAuth(verifier));
  app.use("/admin/*", requireAuth(verifier, "admin"));
  for (const path of ["/me/who", "/admin/who"]) {
    app.get(path, (c) => {
      ran.handler++;
      return c.json(c.get("user"));
    });
  }
  return { app, ran };
}

const get = (app: ReturnType<typeof testApp>["app"], path: string, authorization?: string) =>
  app.request(path, authorization === undefined ? {} : { headers: { authorization } });

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(await res.json()).toMatchObject({ status, code, type: `urn:surge:problem:${code.toLowerCase()}` });
}

describe("requireAuth", () => {
  it("lets a valid bearer token through, with the user from its claims", async () => {
    const { app } = testApp();
    const user = await signToken({ id: "u-1", role: "user" }, SECRET, 60);
    const admin = await signToken({ id: "a-1", role: "admin" }, SECRET, 60);
    const mine = await get(app, "/me/who", `Bearer ${user}`);
    expect(mine.status).toBe(200);
    expect(await mine.json()).toEqual({ id: "u-1", role: "user" });
    // The scheme is case-insensitive; an admin is also a user.
    expect(await (await get(app, "/me/who", `bearer ${admin}`)).json()).toEqual({ id: "a-1", role: "admin" });
    const adminRoute = await get(app, "/admin/who", `Bearer ${admin}`);
    expect(adminRoute.status).toBe(200);
    expect(await adminRoute.json()).toEqual({ id: "a-1", role: "admin" });
  });

  it("answers 401 problem+json to a missing, malformed, forged or expired token, and the route never runs", async () => {
    const { app, ran } = testApp();
    const expired = await signToken({ id: "u-1", role: "user" }, SECRET, -60);
    const forged = await signToken({ id: "u-1", role: "user" }, "another-secret-0123456789", 60);
    const good = await signToken({ id: "u-1", role: "user" }, SECRET, 60);
    for (const authorization of [
      undefined,
      "",
      "Basic dTpw",
      "Bearer",
      "Bearer ",
      `Bearer ${good} extra`,
      "Bearer a.b.c",
      `Bearer ${forged}`,
      `Bearer ${expired}`,
      good,
    ]) {
      await expectProblem(await get(app, "/me/who", authorization), 401, "UNAUTHENTICATED");
      await expectProblem(await get(app, "/admin/who", authorization), 401, "UNAUTHENTICATED");
    }
    expect(ran.handler).toBe(0);
  });

  it("answers 403 problem+json to a user token on an admin route", async () => {
    const { app, ran } = testApp();
    const user = await signToken({ id: "u-1", role: "user" }, SECRET, 60);
    await expectProblem(await get(app, "/admin/who", `Bearer ${user}`), 403, "FORBIDDEN");
    expect(ran.handler).toBe(0);
  });
});
