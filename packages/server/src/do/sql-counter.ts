/**
 * Counts the SQLite rows a StreamDO reads and writes — the units Durable
 * Object storage is billed in — by summing each cursor's `rowsRead` /
 * `rowsWritten` once it is done. Every store method consumes its cursors
 * synchronously, so a cursor is settled when the next statement starts or the
 * totals are asked for.
 */
import type { Sql } from "./store.js";

/** SQLite row totals since the object was constructed. */
export interface SqlTotals {
  rowsRead: number;
  rowsWritten: number;
}

/** Wraps a `Sql` and keeps running row totals. */
export class CountingSql implements Sql {
  private readonly totalsSoFar: SqlTotals = { rowsRead: 0, rowsWritten: 0 };
  private pending: { rowsRead: number; rowsWritten: number } | null = null;

  constructor(private readonly sql: Sql) {}

  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
    this.settle();
    const cursor = this.sql.exec<T>(query, ...bindings);
    this.pending = cursor;
    return cursor;
  }

  /** Totals including the last statement. */
  totals(): SqlTotals {
    this.settle();
    return { ...this.totalsSoFar };
  }

  private settle(): void {
    if (!this.pending) return;
    this.totalsSoFar.rowsRead += this.pending.rowsRead;
    this.totalsSoFar.rowsWritten += this.pending.rowsWritten;
    this.pending = null;
  }
}
