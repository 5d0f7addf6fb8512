/**
 * Test-only alarm jobs (`DEBUG_ENDPOINTS`): `debug-<name>` jobs record when
 * they ran, so a test can schedule several, evict or kill the object, and see
 * that every one still runs (test/control-plane-faults.test.ts).
 */
import type { AlarmSchedule } from "./alarm-schedule.js";
import type { Sql } from "./store.js";

const TABLE = "CREATE TABLE IF NOT EXISTS debug_jobs_ran (job TEXT NOT NULL, at INTEGER NOT NULL)";

/** Registers the handler of every `debug-*` job. */
export function registerDebugJobs(alarms: AlarmSchedule, sql: Sql): void {
  alarms.register("debug-*", async (job) => {
    sql.exec(TABLE);
    sql.exec("INSERT INTO debug_jobs_ran (job, at) VALUES (?, ?)", job, Date.now());
  });
}

/** Schedules `debug-<name>` to run `inMs` from now. */
export function scheduleDebugJob(alarms: AlarmSchedule, name: string, inMs: number): void {
  if (!/^[a-z0-9-]{1,32}$/.test(name)) throw new Error(`invalid debug job name ${name}`);
  alarms.schedule(`debug-${name}`, Date.now() + inMs);
}

/** The jobs pending and the debug jobs that ran, with when. */
export function debugJobs(
  alarms: AlarmSchedule,
  sql: Sql,
): { pending: Record<string, number>; ran: Record<string, number> } {
  sql.exec(TABLE);
  const rows = sql.exec<{ job: string; at: number }>("SELECT job, at FROM debug_jobs_ran ORDER BY at").toArray();
  return { pending: alarms.jobs(), ran: Object.fromEntries(rows.map((r) => [r.job, r.at])) };
}
