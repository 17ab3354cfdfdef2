import { z } from "zod";

export const instant = z.iso.datetime({ offset: true });
/**
 * The largest amount of money anything holds: a price, a line, an order's total, a payment, a
 * balance. Amount columns are BIGINT, but amounts travel as JS numbers (event JSON, read models,
 * HTTP), exact only to 2^53 ≈ 9.0e15; this leaves the read models' sums of amounts (revenue per
 * product and period) room for 90,000 orders at the maximum before they lose a won.
 */
export const MAX_AMOUNT = 100_000_000_000;
/** Money is whole won, never negative, never a float, never above MAX_AMOUNT. */
export const won = z.number().int().min(0).max(MAX_AMOUNT);
/** The most units anything counts (stock, a line's quantity, a limit): what the HTTP schemas allow, well inside an INT column. */
export const MAX_UNITS = 10_000_000;
/** A count of units: a whole number from 1 to MAX_UNITS. */
export const units = z.number().int().min(1).max(MAX_UNITS);
