import { Cleanup } from "./lib/cleanup.js";
import { USAGE } from "./lib/args.js";
import { runAlone } from "./lib/alone.js";

/** A benchmark: takes the arguments after its name, returns the process exit code. */
type Bench = (argv: string[], cleanup: Cleanup) => Promise<number>;

// Loaded lazily so one bench's imports never slow down or break another; add siblings here.
const benches: Record<string, () => Promise<{ run: Bench }>> = {
  claims: () => import("./claims.js"),
  rejections: () => import("./rejections.js"),
  system: () => import("./system.js"),
  lag: () => import("./lag.js"),
  orders: () => import("./orders.js"),
  projector: () => import("./projector.js"),
  rankings: () => import("./rankings.js"),
  validation: () => import("./validation.js"),
  floor: () => import("./floor.js"),
  append: () => import("./append.js"),
  views: () => import("./views.js"),
};

const [name, ...rest] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join("|")}> [options]\n${USAGE}`);
  process.exit(2);
}

const cleanup = new Cleanup();
cleanup.add(await runAlone((line) => console.log(line)));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await (await load()).run(rest, cleanup);
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
} finally {
  await cleanup.run();
}
process.exit(code);
