/**
 * Every key of one coupon shares the hash tag `{couponId}`, so each Lua script touches a single
 * Redis Cluster slot. The set of loaded coupons is outside any tag and only the sweeper reads it.
 */
export const couponKeys = (couponId: string) => {
  const tag = `cpn:{${couponId}}`;
  return { meta: `${tag}:meta`, users: `${tag}:users`, resv: `${tag}:resv`, lock: `${tag}:lock` };
};

export const LOADED_COUPONS = "surge:guards:coupons";
export const couponFenceKey = (couponId: string) => `cpn:${couponId}`;
