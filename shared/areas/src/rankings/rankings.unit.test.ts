import { describe, expect, it } from "vitest";
import { addDays, businessDate, isCalendarDate, isoWeekStart, periodRange } from "./calendar.js";
import { lineShares, salesByProduct } from "./revenue.js";

describe("business calendar", () => {
  it("dates an instant in BUSINESS_TZ, not in UTC", () => {
    expect(businessDate(new Date("2026-11-29T23:59:59.900+09:00"), "Asia/Seoul")).toBe("2026-11-29");
    expect(businessDate(new Date("2026-11-30T00:00:00.000+09:00"), "Asia/Seoul")).toBe("2026-11-30");
    // 15:00Z is already the next day in Seoul.
    expect(businessDate(new Date("2026-11-30T15:00:00.000Z"), "Asia/Seoul")).toBe("2026-12-01");
    expect(businessDate(new Date("2026-11-30T15:00:00.000Z"), "UTC")).toBe("2026-11-30");
  });

  it("keys ISO weeks by Monday and months by the 1st, across year ends", () => {
    expect(isoWeekStart("2026-11-29")).toBe("2026-11-23"); // Sunday ends the week
    expect(isoWeekStart("2026-11-30")).toBe("2026-11-30"); // Monday starts one
    expect(isoWeekStart("2027-01-01")).toBe("2026-12-28");
    expect(periodRange("WEEKLY", "2026-12-01")).toEqual({ from: "2026-11-30", to: "2026-12-06" });
    expect(periodRange("MONTHLY", "2028-02-10")).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    expect(periodRange("DAILY", "2026-12-31")).toEqual({ from: "2026-12-31", to: "2026-12-31" });
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
  });

  it("accepts real calendar dates only", () => {
    for (const ok of ["2026-11-29", "2028-02-29"]) expect(isCalendarDate(ok), ok).toBe(true);
    for (const bad of ["2026-02-29", "2026-13-01", "2026-11-31", "2026-1-01", "20261129", "2026-11-29T00:00", ""]) expect(isCalendarDate(bad), bad).toBe(false);
  });
});

describe("revenue shares (largest remainder)", () => {
  it("gives each line its pro-rata share of the payable amount, summing exactly", () => {
    expect(lineShares([10_000, 20_000], 27_000)).toEqual([9_000, 18_000]);
    // 10000 split three ways: 3333.33 each, the left-over won goes to the first line.
    expect(lineShares([100, 100, 100], 10_000)).toEqual([3_334, 3_333, 3_333]);
    // Fractions .6 / .4: the larger remainder gets the won.
    expect(lineShares([3, 2], 1)).toEqual([1, 0]);
    expect(lineShares([0, 0], 0)).toEqual([0, 0]);
    expect(lineShares([5_000], 0)).toEqual([0]);
  });

  it("never loses or makes up a won, also past 2^53 intermediate products", () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
    for (let k = 0; k < 500; k++) {
      const amounts = Array.from({ length: 1 + rnd(6) }, () => rnd(100_000_000));
      const total = amounts.reduce((a, b) => a + b, 0);
      const payable = total - rnd(total + 1);
      const shares = lineShares(amounts, payable);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(payable);
      shares.forEach((s, i) => {
        // Within one won of the exact share, never negative, never above the line.
        expect(Math.abs(s - (amounts[i]! * payable) / (total || 1))).toBeLessThan(1.000001);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(amounts[i]!);
      });
    }
  });

  it("folds lines of one product into one sale", () => {
    const line = (productId: string, quantity: number, unitPrice: number) => ({
      dealId: `d-${productId}-${quantity}`,
      productId,
      productName: productId,
      quantity,
      unitPrice,
      lineAmount: quantity * unitPrice,
    });
    expect(salesByProduct([line("b", 1, 10_000), line("a", 2, 5_000), line("b", 1, 10_000)], 27_000)).toEqual([
      { productId: "a", productName: "a", quantity: 2, revenue: 9_000 },
      { productId: "b", productName: "b", quantity: 2, revenue: 18_000 },
    ]);
  });
});
