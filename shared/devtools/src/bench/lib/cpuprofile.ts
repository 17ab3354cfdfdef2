import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CONCERNS, UNMATCHED } from "./concerns.js";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The .cpuprofile format written by `node --cpu-prof` (Chrome DevTools protocol Profile). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const PSEUDO = new Set(["(garbage collector)", "(idle)", "(program)", "(root)"]);

/** Where a frame's code lives: an npm package, node core, a Surge workspace, or a V8 pseudo frame. */
export function ownerOf(f: CallFrame): string {
  if (PSEUDO.has(f.functionName)) return f.functionName;
  const url = f.url;
  if (url === "") return "(native)";
  if (url.startsWith("node:")) return "node core";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const [first, second] = url.slice(nm + "/node_modules/".length).split("/");
    return first?.startsWith("@") ? `${first}/${second}` : (first ?? url);
  }
  const ws = /\/(shared|command-api|projector|query-api|batch)\/(src|bench)\//.exec(url);
  return ws ? `surge:${ws[1]}` : url;
}

function frameKey(f: CallFrame): string {
  if (PSEUDO.has(f.functionName) || f.url === "") return f.functionName || "(anonymous native)";
  const short = f.url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "")
    .replace(/^.*\/(shared|command-api)\//, "$1/");
  // tsx emits each module on one line, so only the column tells its anonymous functions apart.
  const at = f.lineNumber === 0 ? `1:${f.columnNumber + 1}` : String(f.lineNumber + 1);
  return `${f.functionName || "(anonymous)"} ${short}:${at}`;
}

export interface Summary {
  totalMs: number;
  selfByFrame: Array<[string, number]>;
  selfByOwner: Array<[string, number]>;
  /** Each sample billed to the first concern found walking its stack from the leaf (see concerns.ts). */
  byConcern: Array<[string, number]>;
  /** Time with the frame anywhere on the stack (sync part only: async continuations start fresh stacks). */
  inclusiveSurge: Array<[string, number]>;
}

const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/** A span on the monotonic clock in microseconds: what V8 stamps samples with, and process.hrtime reads. */
export interface Window {
  fromUs: number;
  toUs: number;
}

export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Summarizes the samples inside `window` (the measured load), or the whole profile without one. */
export function summarize(p: CpuProfile, window?: Window): Summary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  let t = p.startTime;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) return;
    // timeDeltas[i] is the gap before sample i, so the next gap is the time spent in this one.
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    first = Math.min(first, t);
    last = Math.max(last, t + dt);
  });
  // Clocks that do not line up (not Linux?) leave the window empty: fall back to the whole profile.
  if (window && selfUs.size === 0) return summarize(p);

  const byFrame = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byConcern = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    add(byFrame, frameKey(node.callFrame), us);
    add(byOwner, ownerOf(node.callFrame), us);
    add(byConcern, concernOf(id, byId, parent), us);
    // Walk up once per sampled node; count each surge frame once per stack, even when recursive.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f || !ownerOf(f).startsWith("surge:")) continue;
      const k = frameKey(f);
      if (seen.has(k)) continue;
      seen.add(k);
      add(inclusive, k, us);
    }
  }
  const ms = (xs: Array<[string, number]>) => xs.map(([k, us]) => [k, us / 1000] as [string, number]);
  return {
    totalMs: last > first ? (last - first) / 1000 : 0,
    selfByFrame: ms(sorted(byFrame)),
    selfByOwner: ms(sorted(byOwner)),
    byConcern: ms(sorted(byConcern)),
    inclusiveSurge: ms(sorted(inclusive)),
  };
}

function concernOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  const leaf = byId.get(id)?.callFrame;
  if (leaf && PSEUDO.has(leaf.functionName)) return leaf.functionName;
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)?.callFrame;
    if (!f) continue;
    const text = `${f.functionName} ${f.url}`;
    for (const [label, pattern] of CONCERNS) if (pattern.test(text)) return label;
  }
  return UNMATCHED;
}

export function formatSummary(s: Summary, top = 25, requests?: number): string {
  const pct = (v: number) => `${((v / s.totalMs) * 100).toFixed(1).padStart(5)}%`;
  // µs per request: the unit the goals are set in, comparable between runs of different rates.
  const per = (v: number) => (requests ? ` ${((v * 1000) / requests).toFixed(1).padStart(6)} µs/req` : "");
  const rows = (xs: Array<[string, number]>, n: number) => xs.slice(0, n).map(([k, v]) => `  ${pct(v)} ${v.toFixed(0).padStart(7)} ms${per(v)}  ${k}`);
  return [
    `profile span ${s.totalMs.toFixed(0)} ms (percent of wall time on the main thread)`,
    "by concern (each sample billed to the nearest recognizable caller):",
    ...rows(s.byConcern, 20),
    "self time by owner:",
    ...rows(s.selfByOwner, 15),
    "self time by function:",
    ...rows(s.selfByFrame, top),
    "inclusive time of Surge functions (synchronous part):",
    ...rows(s.inclusiveSurge, 20),
  ].join("\n");
}

export async function loadProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, "utf8")) as CpuProfile;
}

/**
 * The main thread's profile among those a child wrote (CPU.<date>.<time>.<pid>.<thread>.<seq>):
 * tsx's module loader runs on a worker thread that writes its own, mostly idle one.
 */
export async function profileIn(dir: string): Promise<string | null> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".cpuprofile"));
  const main = files.find((f) => f.split(".")[4] === "0") ?? files.sort()[0];
  return main ? join(dir, main) : null;
}

/** The summary of one child's profile over a window, or a note that it wrote none. */
export async function profileReport(root: string, name: string, window: Window, top: number, requests?: number): Promise<string> {
  const file = await profileIn(join(root, name));
  if (!file) return `no CPU profile found for ${name}`;
  const s = summarize(await loadProfile(file), window);
  const total = requests
    ? `, ${((s.byConcern.reduce((a, [k, v]) => (k === "(idle)" ? a : a + v), 0) * 1000) / requests).toFixed(1)} µs busy per request over ${requests} requests`
    : "";
  return `\n--- CPU profile of ${name} during the measured window (${file}${total}) ---\n${formatSummary(s, top, requests)}`;
}
