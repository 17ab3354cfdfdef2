/** Where `--as-of` stops: a global position, or the last event that occurred at or before an instant. */
export type AsOf = { position: number } | { instant: Date };

export interface ReplayOptions {
  swap: boolean;
  asOf: AsOf | null;
  /** Differences listed per table; the rest are counted. */
  show: number;
}

export const USAGE = "usage: npm run replay -- [--as-of <position|ISO instant>] [--swap] [--show <n>]";

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): ReplayOptions {
  const options: ReplayOptions = { swap: false, asOf: null, show: 20 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--swap") options.swap = true;
    else if (flag === "--as-of") options.asOf = parseAsOf(value());
    else if (flag === "--show") options.show = Number.parseInt(value(), 10);
    else throw new UsageError(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(options.show) || options.show < 0) throw new UsageError("--show must be a whole number");
  // A past state swapped in would be overwritten by the projector at once, or stall it: never useful.
  if (options.swap && options.asOf) throw new UsageError("--as-of cannot be combined with --swap: a past state is for inspection only");
  return options;
}

function parseAsOf(v: string): AsOf {
  if (/^\d+$/.test(v)) return { position: Number(v) };
  const instant = new Date(v);
  if (Number.isNaN(instant.getTime())) throw new UsageError(`--as-of takes a position or an ISO instant, not ${v}`);
  return { instant };
}
