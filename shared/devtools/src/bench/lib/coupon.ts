/** Never sells out and never hits a per-user limit, so every request is a real, successful claim. */
export const COUPON_UNITS = 10_000_000;

/** The coupon a claims load hammers, created through command-api's admin route. */
export async function createBenchCoupon(apiUrl: string, adminToken: string): Promise<string> {
  const res = await fetch(`${apiUrl}/admin/coupons`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench coupon", discount: { type: "FIXED", amount: 1000 }, quantity: COUPON_UNITS, perUserLimit: COUPON_UNITS }),
  });
  const body = (await res.json()) as { couponId?: string };
  if (res.status !== 201 || !body.couponId) throw new Error(`creating the bench coupon failed: ${res.status} ${JSON.stringify(body)}`);
  return body.couponId;
}
