import { setTimeout as wait } from "node:timers/promises";

/** Delay before the n-th retry (n ≥ 1): 1 s doubling up to 30 s, so a dependency that is away is not hammered. */
export const backoffMs = (failures: number, baseMs = 1000, maxMs = 30_000): number => Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));

/** Waits `ms`, or less once `signal` aborts: a process told to stop must not wait out a back-off. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => wait(ms, undefined, { signal }).catch(() => undefined);
