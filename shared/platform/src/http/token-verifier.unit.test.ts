import { describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import { TokenVerifier } from "./token-verifier.js";

const SECRET = "unit-test-secret-0123456789";
const now = Date.now();
const exp = Math.floor(now / 1000) + 60;
const code = (fn: () => unknown) => {
  try {
    fn();
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe("TokenVerifier", () => {
  it("accepts a good HS256 token and returns the user", async () => {
    const token = await sign({ sub: "u1", role: "admin", exp }, SECRET, "HS256");
    expect(new TokenVerifier(SECRET).verify(token, now)).toEqual({ id: "u1", role: "admin" });
  });

  it("refuses a changed payload, another key, alg none and garbage", async () => {
    const token = await sign({ sub: "u1", role: "user", exp }, SECRET, "HS256");
    const [h, , s] = token.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: "u1", role: "admin", exp })).toString("base64url")}.${s}`;
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${token.split(".")[1]}.`;
    const v = new TokenVerifier(SECRET);
    expect(code(() => v.verify(forged, now))).toBe("UNAUTHENTICATED");
    expect(code(() => new TokenVerifier("another-secret-0123456789").verify(token, now))).toBe("UNAUTHENTICATED");
    expect(code(() => v.verify(none, now))).toBe("UNAUTHENTICATED");
    expect(code(() => v.verify("a.b", now))).toBe("UNAUTHENTICATED");
    expect(code(() => v.verify("!!.??.**", now))).toBe("UNAUTHENTICATED");
  });

  it("refuses an expired token even after it was cached while valid", async () => {
    const token = await sign({ sub: "u1", role: "user", exp }, SECRET, "HS256");
    const v = new TokenVerifier(SECRET);
    expect(code(() => v.verify(token, now))).toBe("ok");
    expect(code(() => v.verify(token, exp * 1000))).toBe("UNAUTHENTICATED");
  });

  it("refuses a token without exp or with a bad sub", async () => {
    const v = new TokenVerifier(SECRET);
    expect(code(() => v.verify(token0, now))).toBe("UNAUTHENTICATED");
    expect(code(() => v.verify(badSub, now))).toBe("UNAUTHENTICATED");
  });
});

const token0 = await sign({ sub: "u1", role: "user" }, SECRET, "HS256");
const badSub = await sign({ sub: "u 1", role: "user", exp }, SECRET, "HS256");
