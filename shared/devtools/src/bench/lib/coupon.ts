/** Never sells out and never hits a per-user limit, so every request is a real, successful claim. */
export const COUPON_UNITS = 10_000_000;

/** The coupon a claims load hammers, created through command-api's admin route. */
export async function createBenchCoupon(apiUrl: string, adminToken: string, quantity = COUPON_UNITS, perUserLimit = COUPON_UNITS): Promise<string> {
  const res = await fetch(`${apiUrl}/admin/coupons`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench coupon", discount: { type: "FIXED", amount: 1000 }, quantity, perUserLimit }),
  });
  const body = (await res.json()) as { couponId?: string };
  if (res.status !== 201 || !body.couponId) throw new Error(`creating the bench coupon failed: ${res.status} ${JSON.stringify(body)}`);
  return body.couponId;
}

/** Units the coupon guard has handed out, from its Redis meta hash (where the live count lives). */
export async function guardClaimed(redisUrl: string, keyPrefix: string, couponId: string): Promise<number> {
  const { createRedis } = await import("@surge/platform/redis/redis");
  const { couponKeys } = await import("@surge/areas/coupons/guard");
  const redis = createRedis({ url: redisUrl, keyPrefix });
  try {
    return Number(await redis.hget(couponKeys(couponId).meta, "claimed"));
  } finally {
    redis.disconnect();
  }
}
