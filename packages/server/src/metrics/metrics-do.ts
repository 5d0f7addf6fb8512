/**
 * MetricsDO: one SQLite-backed Durable Object per project holding its
 * per-minute records (project totals and the streams isolates reported) for
 * RETENTION_MIN minutes. Isolates send batches (recorder.ts); the admin API
 * queries ranges at a resolution.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.js";
import type { MinuteBatch } from "./recorder.js";
import { emptyRecord, mergeRecord, rollUp, type MinuteRecord } from "./series.js";

/** Minutes kept: 26 hours, so "the last 24 hours" is always complete. */
export const RETENTION_MIN = 26 * 60;
/** Streams stored per minute at most (the busiest isolates reported; later ones are dropped). */
export const STREAM_ROWS_PER_MINUTE = 2_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS minutes (
  scope TEXT NOT NULL,
  minute INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (scope, minute)
);
CREATE INDEX IF NOT EXISTS minutes_by_minute ON minutes (minute);
`;
/** The scope of project totals; stream scopes are `s:<name>`. */
const PROJECT = "p";

/** A metrics query. */
export interface MetricsQuery {
  readonly stream: string | null;
  readonly fromMs: number;
  readonly toMs: number;
  readonly resolutionMin: number;
}

/** One project's metrics. */
export class MetricsDO extends DurableObject<Env> {
  private prunedAt = 0;
  /** Batches ingested since the object started. */
  private ingested = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Merges an isolate's batches into the stored minutes (one transaction). */
  async ingest(batches: MinuteBatch[]): Promise<void> {
    const sql = this.ctx.storage.sql;
    const oldest = Math.floor(Date.now() / 60_000) - RETENTION_MIN;
    this.ctx.storage.transactionSync(() => {
      for (const b of batches) {
        if (b.minute < oldest) continue;
        this.merge(PROJECT, b.minute, b.project);
        let streams = sql.exec<{ n: number }>("SELECT count(*) AS n FROM minutes WHERE minute = ?", b.minute).one().n;
        for (const [name, r] of Object.entries(b.streams)) {
          if (this.merge(`s:${name}`, b.minute, r, streams < STREAM_ROWS_PER_MINUTE)) streams += 1;
        }
      }
    });
    this.ingested += 1;
    if (Date.now() - this.prunedAt > 60_000) {
      this.prunedAt = Date.now();
      sql.exec("DELETE FROM minutes WHERE minute < ?", oldest);
    }
  }

  /** Points of a project's (or one stream's) metrics over a range. */
  async query(q: MetricsQuery): Promise<{ points: Record<string, number | null>[]; ingested: number }> {
    const fromMin = Math.floor(q.fromMs / 60_000);
    const toMin = Math.ceil(q.toMs / 60_000);
    const rows = this.ctx.storage.sql
      .exec<{ minute: number; data: string }>(
        "SELECT minute, data FROM minutes WHERE scope = ? AND minute >= ? AND minute < ? ORDER BY minute",
        q.stream === null ? PROJECT : `s:${q.stream}`,
        fromMin,
        toMin,
      )
      .toArray()
      .map((r) => ({ minute: r.minute, record: JSON.parse(r.data) as MinuteRecord }));
    return { points: rollUp(rows, fromMin, toMin, q.resolutionMin), ingested: this.ingested };
  }

  /** Merges one record into its row; a new row only when `mayInsert`. True when a row was inserted. */
  private merge(scope: string, minute: number, r: MinuteRecord, mayInsert = true): boolean {
    const sql = this.ctx.storage.sql;
    const cur = sql
      .exec<{ data: string }>("SELECT data FROM minutes WHERE scope = ? AND minute = ?", scope, minute)
      .toArray()[0];
    if (!cur && !mayInsert) return false;
    const next = mergeRecord(cur ? (JSON.parse(cur.data) as MinuteRecord) : emptyRecord(), r);
    sql.exec(
      "INSERT OR REPLACE INTO minutes (scope, minute, data) VALUES (?, ?, ?)",
      scope,
      minute,
      JSON.stringify(next),
    );
    return !cur;
  }
}
