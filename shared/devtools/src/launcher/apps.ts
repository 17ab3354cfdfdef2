import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repo root, found from this file (src/bin or dist/bin alike), so `npm start` works from anywhere. */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

export interface AppSpec {
  name: string;
  /** Absolute path of the entry point. */
  entry: string;
  /** Node flags before the entry: the simulator, a dev tool, runs from its TypeScript source. */
  nodeFlags: string[];
}

/** Apps the system needs; `optional` ones are left out quietly until their package has a main. */
const apps = [
  { name: "command-api", optional: false },
  { name: "query-api", optional: false },
  { name: "projector", optional: false },
  { name: "batch", optional: false },
] as const;

/** The Kafka relay: part of the system only when Kafka is (KAFKA_BROKERS set); it ships with command-api. */
const relay = { name: "relay", path: join("command-api", "dist", "relay", "main.js"), nodeFlags: [] };

/**
 * The card gateway simulator: started with the system so card payments work out of the box; left
 * out when PG_BASE_URL names a real gateway.
 */
const pgSimulator = {
  name: "pg-simulator",
  path: join("shared", "devtools", "src", "pg-simulator", "main.ts"),
  nodeFlags: ["--conditions=source", "--import", "tsx"],
};

export function builtApps(options: { kafka: boolean; pgSimulator?: boolean } = { kafka: false }): { found: AppSpec[]; missing: string[] } {
  const found: AppSpec[] = [];
  const missing: string[] = [];
  const wanted = [
    ...apps.map((a) => ({ name: a.name, path: join(a.name, "dist", "main.js"), nodeFlags: [], optional: a.optional })),
    ...(options.kafka ? [{ ...relay, optional: false }] : []),
    ...(options.pgSimulator !== false ? [{ ...pgSimulator, optional: false }] : []),
  ];
  for (const app of wanted) {
    const entry = join(repoRoot, app.path);
    if (existsSync(entry)) found.push({ name: app.name, entry, nodeFlags: app.nodeFlags });
    else if (!app.optional) missing.push(app.path);
  }
  return { found, missing };
}
