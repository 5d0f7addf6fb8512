/**
 * The StreamDO's side of the catalog. After every change the object calls
 * `sync()`: a lifecycle change (created, deleted, expired, closed, re-created)
 * is sent at once and the caller awaits it; other changes (bytes, messages,
 * segments, subscribers) are sent at most once per `intervalMs`, the rest
 * from a timer (the object outlives it: it stays in memory well past 10 s of
 * inactivity). A failed report is retried from the durable alarm, and an
 * object that restarts reports on its first operation. Reports go out one at a time, in order,
 * each with a larger version, so the shard never applies an older one last.
 */
import type { CatalogEntry, CatalogReport } from "./entry.js";

/** A shard's RPC surface as the reporter uses it. */
export interface CatalogSink {
  report(r: CatalogReport): Promise<boolean>;
}

/** The stream as the reporter sees it: null when no visible stream lives here. */
export interface StreamSnapshot {
  readonly key: string;
  readonly tail: number;
  /** Builds the entry (reads counts; called only when a report is sent). */
  entry(lastAppendAt: number | null, now: number): CatalogEntry;
  /** Identity and lifecycle: a change is reported at once. */
  readonly lifecycle: string;
}

/** What the reporter needs from its object. */
export interface ReporterDeps {
  /** The shard for a stream key; null when the catalog is not bound. */
  sink(key: string): CatalogSink | null;
  snapshot(): StreamSnapshot | null;
  /** Arms the durable alarm at `at` (unless it is due sooner): retries of failed reports. */
  arm(at: number): void;
  /** Runs `fn` after `ms` (setTimeout; a fake in unit tests). */
  later(fn: () => void, ms: number): void;
  readonly intervalMs: number;
  /** CATALOG_ENABLED="false" (a benchmark baseline): the reporter does nothing. */
  readonly disabled?: boolean;
  /**
   * The last version this object sent, kept in its own storage: a restarted
   * object (maybe on a machine whose clock is behind) still sends larger ones,
   * so a report of a deleted incarnation never outranks the re-created one's.
   */
  readonly versions?: { load(): number; save(v: number): void };
  /** Drops facts the snapshot caches (the stream changed behind them). */
  refresh?(): void;
}

const RETRY_MS = 2_000;

/** Batches one stream's catalog reports. */
export class CatalogReporter {
  /** Reports sent since the object started (the bench's "catalog writes per append"). */
  writes = 0;
  private key: string | null = null;
  /** The lifecycle last reported; undefined until this instance reported (so a restart reports once). */
  private sent: string | undefined;
  private sentAt = 0;
  private owed = false;
  private seenTail: number | null = null;
  private lastAppendAt: number | null = null;
  private version = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer = false;

  constructor(private readonly d: ReporterDeps) {}

  /** After an operation on stream `key`: sends a lifecycle change now (await it), or schedules the stats. */
  sync(now: number, key?: string): Promise<void> {
    if (this.d.disabled) return Promise.resolve();
    if (key !== undefined) this.key = key;
    const s = this.d.snapshot();
    if (s) {
      if (this.seenTail !== null && s.tail !== this.seenTail) this.lastAppendAt = now;
      this.seenTail = s.tail;
      this.key = s.key;
    }
    const lifecycle = s ? s.lifecycle : "gone";
    if (lifecycle !== this.sent) {
      if (!s) this.seenTail = null;
      return this.send(s, now);
    }
    if (!s) return Promise.resolve();
    this.owed = true;
    // Stats never hold up the operation that changed them: even when due, they
    // are read and sent from a timer, after the operation has been answered.
    this.flushAt(Math.max(now, this.sentAt + this.d.intervalMs), now);
    return Promise.resolve();
  }

  private flushAt(at: number, now: number): void {
    if (this.timer) return;
    this.timer = true;
    this.d.later(() => {
      this.timer = false;
      // `at` is when it was due (the runtime's clock may not have moved since).
      void this.onAlarm(at);
    }, at - now);
  }

  /** The object's storage was wiped: keeps the version high-water mark (a later incarnation must outrank it). */
  keepVersion(): void {
    if (this.version > 0) this.d.versions?.save(this.version);
  }

  /** Facts cached for snapshots changed (e.g. the stream became a session stream). */
  refresh(): void {
    this.d.refresh?.();
  }

  /** From the alarm: sends owed stats once the interval has passed. */
  onAlarm(now: number): Promise<void> {
    if (this.d.disabled) return Promise.resolve();
    if (this.sent === undefined && this.key === null) return Promise.resolve();
    const s = this.d.snapshot();
    if ((s ? s.lifecycle : "gone") !== this.sent) return this.sync(now);
    if (!this.owed || !s) return Promise.resolve();
    if (now - this.sentAt >= this.d.intervalMs) return this.send(s, now);
    this.flushAt(this.sentAt + this.d.intervalMs, now);
    return Promise.resolve();
  }

  private send(s: StreamSnapshot | null, now: number): Promise<void> {
    const key = s?.key ?? this.key;
    if (key === null) return Promise.resolve();
    const sink = this.d.sink(key);
    if (!sink) return Promise.resolve();
    if (this.version === 0) this.version = this.d.versions?.load() ?? 0;
    this.version = Math.max(this.version + 1, now * 1000);
    this.d.versions?.save(this.version);
    const name = key.slice(key.indexOf("/") + 1);
    const report: CatalogReport = s
      ? { kind: "upsert", version: this.version, entry: s.entry(this.lastAppendAt, now) }
      : { kind: "remove", version: this.version, name, at: now };
    this.sent = s ? s.lifecycle : "gone";
    this.sentAt = now;
    this.owed = false;
    const run = this.chain.then(async () => {
      try {
        this.writes += 1;
        await sink.report(report);
      } catch (e) {
        // Report again (a newer version) from the alarm; the shard ignores anything older.
        console.error(JSON.stringify({ msg: "catalog report failed; will retry", stream: key, error: String(e) }));
        this.sent = undefined;
        this.owed = true;
        this.key = key;
        this.d.arm(Date.now() + RETRY_MS);
      }
    });
    this.chain = run;
    return run;
  }
}
