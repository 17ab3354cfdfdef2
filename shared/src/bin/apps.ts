import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repo root, found from this file (src/bin or dist/bin alike), so `npm start` works from anywhere. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface AppSpec {
  name: string;
  /** Absolute path of the built entry point. */
  entry: string;
}

/** Apps the system needs; `optional` ones are left out quietly until their package has a main. */
const apps = [
  { name: "command-api", optional: false },
  { name: "query-api", optional: false },
  { name: "projector", optional: false },
  { name: "batch", optional: false },
] as const;

export function builtApps(): { found: AppSpec[]; missing: string[] } {
  const found: AppSpec[] = [];
  const missing: string[] = [];
  for (const app of apps) {
    const entry = join(repoRoot, app.name, "dist", "main.js");
    if (existsSync(entry)) found.push({ name: app.name, entry });
    else if (!app.optional) missing.push(`${app.name}/dist/main.js`);
  }
  return { found, missing };
}
