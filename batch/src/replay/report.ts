import { differences, type RowDiff, type TableReport } from "./compare.js";

const describe = (d: RowDiff) => {
  if (d.kind === "missing") return `missing  ${d.key} (in the shadow, not in live)`;
  if (d.kind === "extra") return `extra    ${d.key} (in live, not in the shadow)`;
  return `changed  ${d.key}: ${d.columns.map((c) => `${c.column} live=${c.live ?? "NULL"} shadow=${c.shadow ?? "NULL"}`).join("; ")}`;
};

/** The comparison as text: one line per table, then each listed difference; returns the total count. */
export function printReport(reports: TableReport[], out: (line: string) => void): number {
  let total = 0;
  for (const r of reports) {
    const n = differences(r);
    total += n;
    const counts = r.problem ?? (n === 0 ? "identical" : `${r.missing} missing, ${r.extra} extra, ${r.changed} changed`);
    out(`${n === 0 ? "  ok  " : "  DIFF"} ${r.table}: live ${r.liveRows} rows, shadow ${r.shadowRows} rows: ${counts}`);
    for (const d of r.listed) out(`         ${describe(d)}`);
    const unlisted = r.missing + r.extra + r.changed - r.listed.length;
    if (unlisted > 0) out(`         … and ${unlisted} more`);
  }
  const tables = reports.filter((r) => differences(r) > 0).map((r) => r.table);
  out(total === 0 ? `OK: ${reports.length} read-model tables identical` : `DIFFERENCES: ${total} in ${tables.length} table(s): ${tables.join(", ")}`);
  return total;
}
