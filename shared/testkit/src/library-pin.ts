import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const readJson = (file: string): { name?: string; version?: string; dependencies?: Record<string, string> } | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string; dependencies?: Record<string, string> };
  } catch {
    return undefined;
  }
};

/** The nearest package.json at or above `dir` that satisfies `accept`. */
function nearest<T>(dir: string, accept: (pkg: NonNullable<ReturnType<typeof readJson>>) => T | undefined): T {
  for (let at = dir; ; at = dirname(at)) {
    const pkg = readJson(join(at, "package.json"));
    const found = pkg && accept(pkg);
    if (found !== undefined) return found;
    if (dirname(at) === at) throw new Error(`no package.json above ${dir} answers`);
  }
}

/**
 * For a test of an adapter over a library's internals: the version of `name` that code beside
 * `from` (its import.meta.url) loads, and what its own package.json asks for. A test asserts they
 * are the same exact version, so upgrading the library fails until the adapter is checked again.
 */
export function libraryPin(name: string, from: string): { installed: string; pinned: string | undefined } {
  const here = dirname(fileURLToPath(from));
  const entry = createRequire(from).resolve(name);
  const installed = nearest(dirname(entry), (pkg) => (pkg.name === name ? pkg.version : undefined));
  const pinned = nearest(here, (pkg) => (pkg.name === undefined ? undefined : pkg)).dependencies?.[name];
  return { installed, pinned };
}
