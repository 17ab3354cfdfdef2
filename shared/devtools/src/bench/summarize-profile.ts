import { formatSummary, loadProfile, summarize } from "./lib/cpuprofile.js";

/** `node --import tsx command-api/bench/summarize-profile.ts <file.cpuprofile> [top]`: whole-profile summary. */
const [file, top] = process.argv.slice(2);
if (!file) {
  console.error("usage: summarize-profile.ts <file.cpuprofile> [top]");
  process.exit(2);
}
console.log(formatSummary(summarize(await loadProfile(file)), Number(top ?? 30)));
