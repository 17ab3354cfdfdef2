import { scheduleJob, type Job } from "node-schedule";
import { parseEvent } from "@surge/platform/events/event-type";
import { saleEventTypes } from "./events.js";
import { systemContext } from "@surge/platform/command/context";
import { syncSaleStatus, transitionSale, type SaleDeps } from "./schedule.js";
import { type Logger } from "pino";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { backoffMs, sleep } from "@surge/platform/backoff";
import type { RedisLocks } from "@surge/platform/redis/lock";
import type { TailHandler } from "@surge/platform/process/log-tail";

type Transition = "OPEN" | "CLOSED";

interface Tracked {
  status: "SCHEDULED" | "OPEN";
  opensAt: number;
  /** null: an always-on sale. */
  closesAt: number | null;
}

export interface SaleSchedulerHooks {
  onTransition?: (to: Transition) => void;
}

/** Long enough for one transition (load, append, guard status); short enough that a crashed holder delays little. */
const LOCK_TTL_MS = 10_000;

/**
 * Opens and closes sale events at their opensAt/closesAt. It learns events from the event store
 * log (never a read model, which may lag), keeps the ones not yet CLOSED in memory, and sets a
 * node-schedule job per pending transition. A transition due while nobody ran (or lost to an
 * error) is done by the sweep: once caught up at start, then every sweep interval.
 *
 * The guard's status follows the store: every transition seen on the log (whoever appended it: this
 * scheduler, an admin, another scheduler) marks its sale unsynced, and the sweep (or a retry that
 * finds the transition already done) sets the guard's status from the store and clears the mark.
 * Without it, a status write lost after its append stays lost: the retry sees nothing to append.
 *
 * Two schedulers may run: a Redis lock per transition keeps them from doing the same work, and
 * transitionSale is idempotent anyway (decide + optimistic concurrency), so exactly one
 * EventOpened is appended whatever the timing.
 */
export class SaleScheduler implements TailHandler {
  readonly name = "event-scheduler";
  private readonly events = new Map<string, Tracked>();
  private readonly jobs = new Map<string, Job[]>();
  /** Seen on the log since the last plan; planned once caught up, so a replay does not act on half a history. */
  private readonly dirty = new Set<string>();
  /** Per event, the transitions in flight, chained so OPEN and CLOSED never race each other. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly retries = new Set<NodeJS.Timeout>();
  /**
   * Sales whose guard status may differ from the store's, with a count of the marks: a sync clears
   * the mark only if none came while it ran (its read of the store may predate that transition).
   */
  private readonly unsynced = new Map<string, number>();
  private caughtUp = false;
  private stopped = false;

  constructor(
    private readonly deps: SaleDeps,
    private readonly locks: RedisLocks,
    private readonly logger: Logger,
    private readonly hooks: SaleSchedulerHooks = {},
  ) {}

  /** In-memory state: rebuilt from the start of the log on every start. */
  start(): Promise<number> {
    return Promise.resolve(0);
  }

  handle(events: StoredEvent[], caughtUp: boolean): Promise<void> {
    for (const raw of events) {
      const e = parseEvent(saleEventTypes, raw);
      if (!e) continue;
      const id = e.data.eventId;
      if (e.type === "EventScheduled") {
        this.events.set(id, {
          status: "SCHEDULED",
          opensAt: Date.parse(e.data.opensAt),
          closesAt: e.data.closesAt === null ? null : Date.parse(e.data.closesAt),
        });
      } else if (e.type === "EventOpened") {
        const t = this.events.get(id);
        if (t) t.status = "OPEN";
        this.markUnsynced(id);
      } else {
        this.events.delete(id);
        this.markUnsynced(id);
      }
      this.dirty.add(id);
    }
    if (caughtUp) {
      const first = !this.caughtUp;
      this.caughtUp = true;
      // The first catch-up plans every event seen, which is the recovery sweep at start.
      for (const id of this.dirty) this.plan(id);
      this.dirty.clear();
      if (first) this.logger.info({ tracked: this.events.size }, "event scheduler caught up with the log");
    }
    return Promise.resolve();
  }

  /**
   * Fires every transition that is due and not done (missed while down, lost to an error), and
   * sets the guard's status of every unsynced sale from the store (waiting for those).
   */
  async sweep(): Promise<void> {
    if (!this.caughtUp) return;
    const now = Date.now();
    for (const [id, t] of this.events) {
      const next = nextTransition(t, now);
      if (next && next.at <= now) void this.fire(id, next.to);
    }
    await Promise.all([...this.unsynced.keys()].map((id) => this.chain(id, () => this.sync(id))));
  }

  tracked(): number {
    return this.events.size;
  }

  /** Cancels the timers and waits for the transitions in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of this.jobs.keys()) this.cancelJobs(id);
    for (const t of this.retries) clearTimeout(t);
    await Promise.all(this.chains.values());
  }

  /** (Re)sets the jobs of one event from what is known about it now. */
  private plan(id: string): void {
    this.cancelJobs(id);
    const t = this.events.get(id);
    if (!t || this.stopped) return;
    const now = Date.now();
    const jobs: Job[] = [];
    for (const to of ["OPEN", "CLOSED"] as const) {
      const at = dueAt(t, to, now);
      if (at === null) continue;
      if (at <= now) {
        void this.fire(id, to);
        continue;
      }
      const job = scheduleJob(new Date(at), () => void this.fire(id, to));
      // node-schedule answers null for a date that passed in the meantime.
      if (job) jobs.push(job);
      else void this.fire(id, to);
    }
    if (jobs.length > 0) this.jobs.set(id, jobs);
  }

  private cancelJobs(id: string): void {
    for (const job of this.jobs.get(id) ?? []) job.cancel();
    this.jobs.delete(id);
  }

  private fire(id: string, to: Transition, attempt = 0): Promise<void> {
    return this.chain(id, () => this.transition(id, to, attempt));
  }

  /** Runs `step` after every step in flight for this sale, so transitions and syncs never race each other. */
  private chain(id: string, step: () => Promise<void>): Promise<void> {
    const run = (this.chains.get(id) ?? Promise.resolve()).then(step);
    this.chains.set(id, run);
    void run.finally(() => {
      if (this.chains.get(id) === run) this.chains.delete(id);
    });
    return run;
  }

  /** Never throws: a failure is logged and retried with back-off (and the sweep is the backstop). */
  private async transition(id: string, to: Transition, attempt: number): Promise<void> {
    if (this.stopped) return;
    const t = this.events.get(id);
    if (!t || dueAt(t, to, Date.now()) === null) {
      // Done already, perhaps by an attempt whose status write failed after its append.
      if (this.unsynced.has(id)) await this.sync(id);
      return;
    }
    // Timers may fire a millisecond early; the decider would then decide nothing until the sweep.
    const early = (to === "OPEN" ? t.opensAt : t.closesAt!) - Date.now();
    if (early > 0) await sleep(early + 1);
    try {
      const outcome = await this.locks.run(`transition:${id}`, LOCK_TTL_MS, () => transitionSale(this.deps, id, to, false, systemContext("scheduler")));
      if (!outcome.acquired) {
        // Another scheduler is on it; look again shortly in case it dies before it is done.
        this.retry(id, to, attempt + 1);
        return;
      }
      const { state, changed } = outcome.value;
      if (changed) {
        this.hooks.onTransition?.(to);
        this.logger.info({ eventId: id, to }, "sale event transitioned by the schedule");
      }
      if (state.status === "CLOSED") {
        this.events.delete(id);
        this.cancelJobs(id);
      } else if (state.status === "OPEN") {
        t.status = "OPEN";
      }
    } catch (err) {
      // The append may have committed before the failure: the guard's status is doubtful until synced.
      this.markUnsynced(id);
      this.logger.error({ err, eventId: id, to, attempt }, "sale event transition failed; retrying");
      this.retry(id, to, attempt + 1);
    }
  }

  private markUnsynced(id: string): void {
    this.unsynced.set(id, (this.unsynced.get(id) ?? 0) + 1);
  }

  /** Never throws: a sale still unsynced after a failure is synced by the next sweep. */
  private async sync(id: string): Promise<void> {
    const marks = this.unsynced.get(id);
    if (marks === undefined || this.stopped) return;
    try {
      const repaired = await syncSaleStatus(this.deps, id);
      if (this.unsynced.get(id) === marks) this.unsynced.delete(id);
      if (repaired) this.logger.warn({ eventId: id }, "the guard's sale status differed from the store's; set from the store");
    } catch (err) {
      this.logger.error({ err, eventId: id }, "setting the guard status from the store failed; the next sweep retries");
    }
  }

  private retry(id: string, to: Transition, attempt: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.fire(id, to, attempt);
    }, backoffMs(attempt));
    this.retries.add(timer);
  }
}

/**
 * When `to` is due for this event, or null when it is not pending. An event whose closesAt has
 * passed is not opened first: it goes straight to CLOSED rather than open for a moment.
 */
function dueAt(t: Tracked, to: Transition, now: number): number | null {
  if (to === "CLOSED") return t.closesAt;
  if (t.status !== "SCHEDULED") return null;
  if (t.closesAt !== null && t.closesAt <= now) return null;
  return t.opensAt;
}

function nextTransition(t: Tracked, now: number): { to: Transition; at: number } | null {
  const open = dueAt(t, "OPEN", now);
  if (open !== null) return { to: "OPEN", at: open };
  const close = dueAt(t, "CLOSED", now);
  return close === null ? null : { to: "CLOSED", at: close };
}
