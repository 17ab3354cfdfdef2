/** Sums every series of a Prometheus text metric (all label sets), or NaN when it is absent. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (!Number.isNaN(value)) {
      sum += value;
      seen = true;
    }
  }
  return seen ? sum : Number.NaN;
}

export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  return res.text();
}
