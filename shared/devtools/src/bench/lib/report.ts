import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "./child.js";
import type { LoadResult } from "./load.js";

export interface Row {
  target: string;
  result: LoadResult;
}

const ms = (v: number) => v.toFixed(v < 10 ? 2 : 1);

/** A Markdown table: readable in a terminal and pasted as is into docs/benchmarks.md. */
export function resultsTable(rows: Row[]): string {
  const lines = [
    "| target | requests/s | p50 ms | p99 ms | max ms | responses | non-2xx | errors |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
    ...rows.map(
      ({ target, result: r }) =>
        `| ${target} | ${r.requestsPerSec.toFixed(0)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.maxMs)} | ${r.responses} | ${r.non2xx} | ${r.errors + r.timeouts} |`,
    ),
  ];
  return lines.join("\n");
}

const HEADER = `# Benchmarks

Each section below is written by \`npm run bench -- <name>\` and replaced when that benchmark runs
again; other sections are left as they are. Numbers from a shared or busy machine are noise: compare
runs from the same quiet machine only (each section flags a run where other processes used the CPU).

Options: \`--duration <s>\` (20), \`--connections <n>\` (100), \`--warmup <s>\` (2), \`--no-docs\`,
\`--env KEY=VALUE\` (extra env for the app under test). Diagnostics, which leave this file alone:
\`--profile\` (CPU profile of the app under test, summarized by concern and function; the raw
\`.cpuprofile\` opens in Chrome DevTools) and \`--phases\` (per-stage timings inside command-api:
JWT verify, Redis commands, group commit and each of its SQL statements). Run them separately: each
slows the app a little. \`node --import tsx command-api/bench/summarize-profile.ts <file>\`
summarizes a saved profile again. \`projector\` takes \`--events <n>\` (200000), \`--mode
embedded|kafka|both\` (both; this file is written for both only) and \`--profile\` (its children:
projector, relay). \`lag\` runs the claims load with a projector beside command-api and takes the
claims options plus \`--source embedded|kafka|both\` (both; this file is written for both only);
\`claims\` itself never runs a projector. The Kafka runs need librdkafka's headers
(\`apt-get install librdkafka-dev\`) for the mock broker the Kafka tests use.
`;

/**
 * The lines that say when, where and how a section's numbers were taken; `load` for the HTTP
 * benches (connections, measured and warm-up seconds, per what).
 */
export function runLines(
  bench: string,
  argv: string[],
  machine: string,
  load?: { connections: number; durationS: number; warmupS: number; per: string },
): string[] {
  return [
    `- date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `- machine: ${machine}`,
    `- command: \`${["npm run bench --", bench, ...argv].join(" ")}\``,
    ...(load ? [`- load: ${load.connections} connections, ${load.durationS} s measured per ${load.per} after ${load.warmupS} s warm-up`] : []),
  ];
}

/**
 * Replaces the text between `<!-- bench:name -->` and `<!-- /bench:name -->` in docs/benchmarks.md,
 * or appends it, and says so.
 */
export async function writeDocSection(name: string, body: string): Promise<void> {
  const file = join(REPO_ROOT, "docs/benchmarks.md");
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${body.trim()}\n${close}`;
  const current = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return HEADER;
    throw err;
  });
  const start = current.indexOf(open);
  const end = current.indexOf(close);
  const next = start >= 0 && end > start ? current.slice(0, start) + block + current.slice(end + close.length) : `${current.trimEnd()}\n\n${block}\n`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, next);
  console.log(`\nwrote the ${name} section of ${file}`);
}
