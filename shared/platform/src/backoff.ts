/** Delay before the n-th retry (n ≥ 1): 1 s doubling up to 30 s, so a dependency that is away is not hammered. */
export const backoffMs = (failures: number, baseMs = 1000, maxMs = 30_000): number => Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
