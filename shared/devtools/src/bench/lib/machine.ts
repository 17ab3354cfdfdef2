import { readFile } from "node:fs/promises";
import { availableParallelism, cpus, totalmem } from "node:os";
import type { CommitProbe, ServerInfo } from "./database.js";

export interface Machine {
  cpus: number;
  memoryGiB: number;
  cpuModel: string;
  node: string;
  mariadb: string;
  flushLogAtTrxCommit: string;
  probe: CommitProbe;
}

async function cpuModel(): Promise<string> {
  try {
    const info = await readFile("/proc/cpuinfo", "utf8");
    const m = /^model name\s*:\s*(.+)$/m.exec(info);
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? "unknown";
}

export async function describeMachine(server: ServerInfo, probe: CommitProbe): Promise<Machine> {
  return {
    cpus: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: await cpuModel(),
    node: process.version,
    mariadb: server.version,
    flushLogAtTrxCommit: server.flushLogAtTrxCommit,
    probe,
  };
}

export function machineLine(m: Machine): string {
  return (
    `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, MariaDB ${m.mariadb} ` +
    `(innodb_flush_log_at_trx_commit=${m.flushLogAtTrxCommit}); idle-server probe: round trip ` +
    `${m.probe.roundTripMs.toFixed(2)} ms, durable single-row commit ${m.probe.durableCommitMs.toFixed(2)} ms`
  );
}
