import { open, readFile, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

const LOCK = join(tmpdir(), "surge-bench.lock");

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true; // being written right now
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Two benches at once on one machine measure each other, so a bench waits until no other runs.
 * Returns the release. A lock left by a process that died is taken over.
 */
export async function runAlone(log: (line: string) => void): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      const file = await open(LOCK, "wx");
      await file.writeFile(String(process.pid));
      await file.close();
      return () => unlink(LOCK).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number(await readFile(LOCK, "utf8").catch(() => "0"));
    if (!alive(holder)) {
      await unlink(LOCK).catch(() => undefined);
      continue;
    }
    if (!announced) log(`waiting for the bench in process ${holder} to finish (one bench at a time per machine)`);
    announced = true;
    await delay(500);
  }
}
