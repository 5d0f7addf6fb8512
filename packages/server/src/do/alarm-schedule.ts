/**
 * A Durable Object has one alarm, but several jobs need it (TTL expiry, seal
 * and purge retries, fork releases, estuary fan-out). Each job's due time is
 * kept in SQLite (`alarm_jobs`), and the object's alarm is always set to the
 * earliest of them, so a job scheduled by one instance is never replaced by a
 * later one scheduled after an eviction. The alarm runs the due jobs and
 * re-arms for the next.
 */
import type { Sql } from "./store.js";

/** The narrow interface other modules (estuary fan-out, cold storage) schedule work through. */
export interface AlarmJobs {
  /** Runs `job` at `at` or sooner (an earlier pending time wins). */
  schedule(job: string, at: number): void;
  /** Forgets a pending job. */
  cancel(job: string): void;
}

/** The alarm calls of `DurableObjectStorage` the schedule needs. */
export interface AlarmStorage {
  setAlarm(at: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

/** A job's work; thrown errors keep the job due (it runs again after the lease). */
export type AlarmHandler = (job: string) => Promise<void>;

export const ALARM_SCHEMA = `
CREATE TABLE IF NOT EXISTS alarm_jobs (
  job TEXT PRIMARY KEY,
  due INTEGER NOT NULL
);
`;

/** A job that started but did not finish (the object crashed) runs again after this. */
export const LEASE_MS = 30_000;

/** The durable job → due time table behind the object's single alarm. */
export class AlarmSchedule implements AlarmJobs {
  /** Mirrors `alarm_jobs`, loaded from SQLite (so it is right after an eviction). */
  private due = new Map<string, number>();
  /** What this instance last passed to setAlarm; null when unknown or cleared. */
  private armedAt: number | null = null;
  /** Jobs running now, by the lease time written for them. */
  private readonly leased = new Map<string, number>();
  private readonly handlers = new Map<string, AlarmHandler>();

  constructor(
    private readonly sql: Sql,
    private readonly storage: AlarmStorage,
  ) {
    this.reload();
  }

  /** Creates the table and re-reads it (after construction or a wipe); arms the earliest job. */
  reload(): void {
    this.sql.exec(ALARM_SCHEMA);
    const rows = this.sql.exec<{ job: string; due: number }>("SELECT job, due FROM alarm_jobs").toArray();
    this.due = new Map(rows.map((r) => [r.job, r.due]));
    this.armedAt = null;
    this.rearm();
  }

  /** Registers the work behind a job name, or behind every name starting with `prefix*`. */
  register(job: string, handler: AlarmHandler): void {
    this.handlers.set(job, handler);
  }

  private handlerOf(job: string): AlarmHandler | undefined {
    const exact = this.handlers.get(job);
    if (exact) return exact;
    for (const [name, h] of this.handlers) if (name.endsWith("*") && job.startsWith(name.slice(0, -1))) return h;
    return undefined;
  }

  schedule(job: string, at: number): void {
    const current = this.due.get(job);
    const lease = this.leased.get(job);
    // A running job that asks to run again replaces its own lease.
    if (lease !== undefined && current === lease) this.leased.delete(job);
    else if (current !== undefined && current <= at) return;
    this.sql.exec("INSERT OR REPLACE INTO alarm_jobs (job, due) VALUES (?, ?)", job, at);
    this.due.set(job, at);
    this.rearm();
  }

  cancel(job: string): void {
    if (!this.due.has(job)) return;
    this.sql.exec("DELETE FROM alarm_jobs WHERE job = ?", job);
    this.due.delete(job);
    this.leased.delete(job);
    this.rearm();
  }

  /** When `job` is due, or null (tests and stats). */
  dueAt(job: string): number | null {
    return this.due.get(job) ?? null;
  }

  /** Every pending job and its due time (tests and stats). */
  jobs(): Record<string, number> {
    return Object.fromEntries(this.due);
  }

  /**
   * The alarm: runs every due job, then arms the alarm for the earliest job
   * left. A due job is leased first, so a crash mid-run retries it after
   * LEASE_MS. Returns how many jobs were due.
   */
  async runDue(now: number): Promise<number> {
    this.armedAt = null; // the runtime cleared the alarm that woke us
    const due = [...this.due].filter(([, at]) => at <= now).map(([job]) => job);
    const lease = now + LEASE_MS;
    for (const job of due) {
      this.sql.exec("UPDATE alarm_jobs SET due = ? WHERE job = ?", lease, job);
      this.due.set(job, lease);
      this.leased.set(job, lease);
    }
    this.rearm();
    for (const job of due) {
      const handler = this.handlerOf(job);
      try {
        if (handler) await handler(job);
        else console.error(JSON.stringify({ msg: "alarm job without a handler dropped", job }));
        // Done, unless the job scheduled itself again while it ran.
        if (this.leased.get(job) === lease) this.cancel(job);
      } catch (e) {
        this.leased.delete(job);
        console.error(JSON.stringify({ msg: "alarm job failed; retried after its lease", job, error: String(e) }));
      }
    }
    this.rearm();
    return due.length;
  }

  /** Sets the object's alarm to the earliest pending job (or deletes it). */
  private rearm(): void {
    let first: number | null = null;
    for (const at of this.due.values()) if (first === null || at < first) first = at;
    if (first === this.armedAt) return;
    this.armedAt = first;
    void (first === null ? this.storage.deleteAlarm() : this.storage.setAlarm(first));
  }
}
