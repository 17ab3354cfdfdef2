import type { OrderItem } from "../orders/events.js";

/** What one paid order sold of one product: the unit of every sales metric. */
export interface ProductSale {
  productId: string;
  productName: string;
  quantity: number;
  /** Won actually paid for these lines: their share of payableAmount. */
  revenue: number;
}

/**
 * Splits `payable` over lines in proportion to their amounts, in whole won, summing exactly to
 * `payable` (largest remainder): each line gets floor(amount × payable / total), and the won left
 * over go one each to the lines with the largest fractional parts, the earlier line first on a tie.
 * This is "lineAmount minus its pro-rata part of the discount", rounded so nothing is lost or made
 * up. BigInt because amount × payable can pass 2^53.
 */
export function lineShares(amounts: readonly number[], payable: number): number[] {
  const total = amounts.reduce((n, a) => n + BigInt(a), 0n);
  if (total === 0n) return amounts.map(() => 0);
  const p = BigInt(payable);
  const exact = amounts.map((a, i) => ({ i, floor: (BigInt(a) * p) / total, rem: (BigInt(a) * p) % total }));
  let left = p - exact.reduce((n, e) => n + e.floor, 0n);
  const byRemainder = [...exact].sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  const shares = exact.map((e) => e.floor);
  for (const e of byRemainder) {
    if (left <= 0n) break;
    shares[e.i]! += 1n;
    left -= 1n;
  }
  return shares.map(Number);
}

/** An order's lines folded per product (a product may sit on several deals), sorted by product id. */
export function salesByProduct(items: readonly OrderItem[], payableAmount: number): ProductSale[] {
  const shares = lineShares(
    items.map((i) => i.lineAmount),
    payableAmount,
  );
  const byProduct = new Map<string, ProductSale>();
  items.forEach((item, i) => {
    const sale = byProduct.get(item.productId) ?? { productId: item.productId, productName: item.productName, quantity: 0, revenue: 0 };
    sale.quantity += item.quantity;
    sale.revenue += shares[i]!;
    byProduct.set(item.productId, sale);
  });
  // One order of statements for every writer keeps row locks in one order (fewer deadlocks).
  return [...byProduct.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}
