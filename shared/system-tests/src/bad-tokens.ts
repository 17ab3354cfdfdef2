import { signToken } from "@surge/platform/http/auth";
import type { TestContext } from "@surge/testkit/context";

/** Authorization headers an authenticated route must answer with 401: none, not bearer, malformed, expired, wrongly signed, a bad sub. */
export async function unauthenticated(ctx: TestContext): Promise<Array<[string, Record<string, string>]>> {
  const expired = await ctx.token("u1", "user", -60);
  const forged = await signToken({ id: "u1", role: "user" }, "some-other-secret-0123456789", 3600);
  const badSub = await signToken({ id: "not a valid id!", role: "user" }, ctx.jwtSecret, 3600);
  return [
    ["missing", {}],
    ["not bearer", { authorization: "Basic dTE6cA==" }],
    ["malformed", { authorization: "Bearer not.a.jwt" }],
    ["expired", { authorization: `Bearer ${expired}` }],
    ["wrongly signed", { authorization: `Bearer ${forged}` }],
    ["bad sub", { authorization: `Bearer ${badSub}` }],
  ];
}
