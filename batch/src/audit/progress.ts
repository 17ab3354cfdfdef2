/** A one-line progress bar on stderr when it is a terminal; plain periodic lines otherwise (CI logs). */
export function progressBar(label: string) {
  const started = Date.now();
  let lastPrint = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (now - lastPrint < 200 && done < total) return;
    lastPrint = now;
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    const bar = "#".repeat(Math.floor(pct / 4)).padEnd(25, ".");
    const line = `${label} [${bar}] ${pct}% ${done}/${total} ${Math.round(rate)}/s ETA ${eta}s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done >= total ? "\n" : ""}`);
    else if (done >= total || now - started > 0) process.stderr.write(`${line}\n`);
  };
}
