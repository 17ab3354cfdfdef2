import { afterAll, beforeAll } from "vitest";

/**
 * Per-file fixtures under module-level names: `const { ctx, api } = useStarted(["ctx", "api"], ...)`.
 * Each named object stays empty until beforeAll has run `start`, and is then filled in with what
 * `start` returned under that name (plain objects only: contexts, running apps, not class
 * instances). afterAll runs the stops `start` registered, the last one first, also when `start`
 * failed halfway. Read the objects inside tests and hooks only. `start` may answer null to start
 * nothing (a file whose tests are skipped).
 */
export function useStarted<K extends string, T extends Record<K, object>>(
  names: readonly K[],
  start: (atEnd: (stop: () => Promise<void>) => void) => Promise<T | null>,
): T {
  const shells = Object.fromEntries(names.map((name) => [name, {}])) as T;
  const stops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    const started = await start((stop) => stops.unshift(stop));
    if (started) for (const name of names) Object.assign(shells[name], started[name]);
  });
  afterAll(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  return shells;
}
