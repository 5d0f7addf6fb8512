/**
 * Fork references as sets, so that attach and detach can be retried after a
 * lost reply. The source keeps one row per fork that reads from it
 * (`fork_refs`, keyed by the fork's reference `instance:key`); attaching or
 * detaching the same reference twice changes nothing. The fork keeps one row
 * per reference it asked for (`fork_links`): written before the attach call,
 * so a crash or lost reply leaves a durable intent that the fork's alarm
 * releases, and marked `attached` when the fork commits.
 *
 * Streams created before reference sets kept a bare count (`meta.ref_count`).
 * It is kept as the number of "legacy" references: a legacy fork releases it
 * by its own reference, and the source remembers the references it released
 * (`fork_released`) while any legacy count is left, so a retried legacy
 * release cannot decrement twice either.
 */
import type { Sql } from "./store.js";

export const FORK_SCHEMA = `
CREATE TABLE IF NOT EXISTS fork_refs (
  ref TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  fork_offset TEXT NOT NULL,
  since INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fork_released (
  ref TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS fork_links (
  ref TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  attached INTEGER NOT NULL DEFAULT 0,
  since INTEGER NOT NULL
);
`;

/** Where a fork branched off, as the source recorded it. */
export interface ForkPoint {
  readonly position: number;
  readonly segment: number;
  readonly offset: string;
}

/** A reference this stream (as a fork) asked a source for. */
export interface ForkLink {
  readonly ref: string;
  readonly source: string;
  readonly attached: boolean;
}

/** The reference a fork holds on its source: unique per fork instance. */
export function forkRef(instance: string, key: string): string {
  return `${instance}:${key}`;
}

/** Both sides of fork references in one StreamDO's SQLite. */
export class ForkStore {
  /** References whose create is between its attach call and its commit (in memory: a crash ends them). */
  private readonly attaching = new Set<string>();

  constructor(private readonly sql: Sql) {}

  /** A create is attaching `ref`: not abandoned, whatever its row says, until endAttach. */
  beginAttach(ref: string): void {
    this.attaching.add(ref);
  }

  endAttach(ref: string): void {
    this.attaching.delete(ref);
  }

  /** Whether a create is attaching a reference right now. */
  attachInFlight(): boolean {
    return this.attaching.size > 0;
  }

  /** Creates the tables if they are missing. */
  ensureSchema(): void {
    this.sql.exec(FORK_SCHEMA);
  }

  // ---- source side ----

  /** The fork point recorded for `ref`, or null when it holds no reference here. */
  ref(ref: string): ForkPoint | null {
    const r = this.sql
      .exec<{ position: number; segment: number; fork_offset: string }>(
        "SELECT position, segment, fork_offset FROM fork_refs WHERE ref = ?",
        ref,
      )
      .toArray()[0];
    return r ? { position: r.position, segment: r.segment, offset: r.fork_offset } : null;
  }

  /** Records a fork's reference (idempotent). */
  addRef(ref: string, point: ForkPoint, now: number): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO fork_refs (ref, position, segment, fork_offset, since) VALUES (?, ?, ?, ?, ?)",
      ref,
      point.position,
      point.segment,
      point.offset,
      now,
    );
  }

  /** Drops a fork's reference; false when it held none. */
  removeRef(ref: string): boolean {
    const cursor = this.sql.exec("DELETE FROM fork_refs WHERE ref = ?", ref);
    cursor.toArray(); // rowsWritten is final once the statement ran to completion
    return cursor.rowsWritten > 0;
  }

  /** Forks holding a reference by key. */
  refCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM fork_refs").one().n;
  }

  /** True when `ref` was released here already (kept only while legacy references remain). */
  released(ref: string): boolean {
    return this.sql.exec("SELECT 1 FROM fork_released WHERE ref = ?", ref).toArray().length > 0;
  }

  /** Remembers a released reference (while legacy references remain). */
  markReleased(ref: string): void {
    this.sql.exec("INSERT OR IGNORE INTO fork_released (ref) VALUES (?)", ref);
  }

  /** Forgets released references: no legacy count is left to protect. */
  forgetReleased(): void {
    this.sql.exec("DELETE FROM fork_released");
  }

  /** The source stream is gone: it holds no references any more. */
  clearSource(): void {
    this.sql.exec("DELETE FROM fork_refs");
    this.sql.exec("DELETE FROM fork_released");
  }

  // ---- fork side ----

  /** The durable intent, written before the attach call. */
  addIntent(ref: string, source: string, now: number): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO fork_links (ref, source, attached, since) VALUES (?, ?, 0, ?)",
      ref,
      source,
      now,
    );
  }

  /** The fork committed: its reference is held for the fork's life (call in the create transaction). */
  markAttached(ref: string): void {
    this.sql.exec("UPDATE fork_links SET attached = 1 WHERE ref = ?", ref);
  }

  /** The source no longer holds `ref` (released, or never attached). */
  dropLink(ref: string): void {
    this.sql.exec("DELETE FROM fork_links WHERE ref = ?", ref);
  }

  /** The live fork's own reference, or null (a legacy fork, or not a fork). */
  attachedLink(): ForkLink | null {
    return this.links().find((l) => l.attached) ?? null;
  }

  /** Intents whose fork never committed: their references must be released. */
  abandoned(): ForkLink[] {
    return this.links().filter((l) => !l.attached && !this.attaching.has(l.ref));
  }

  /** Every link (stats, and whether the object may be wiped). */
  links(): ForkLink[] {
    return this.sql
      .exec<{ ref: string; source: string; attached: number }>("SELECT ref, source, attached FROM fork_links")
      .toArray()
      .map((r) => ({ ref: r.ref, source: r.source, attached: r.attached === 1 }));
  }
}
