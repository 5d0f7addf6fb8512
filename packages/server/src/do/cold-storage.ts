/**
 * The StreamDO's side of cold storage, wired by the Durable Object: when to
 * seal (thresholds, counted cheaply after each append), running seals, R2
 * purges of gone instances, and hiding a soft-deleted stream's segments from
 * the edge. Failures are logged and retried from the object's alarm, with a
 * backoff while they keep failing (an R2 outage is not met by a retry storm:
 * appends do not start seals until the next retry is due).
 */
import { headKey } from "../cold/segment-format.js";
import { loadHead } from "../cold/segment-reader.js";
import type { StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import { purgeInstance } from "./purge.js";
import { needsRotation, rotate, type RotationLimits, type RotationOptions } from "./rotation.js";
import { ownStart } from "./segment-index.js";

/** What cold storage needs from its Durable Object. */
export interface ColdDeps {
  readonly host: StreamHost;
  readonly bucket: R2Bucket | undefined;
  readonly limits: RotationLimits;
  /** Arms the alarm after `delayMs` (default: soon), to retry unfinished work. */
  readonly scheduleRetry: (delayMs?: number) => void;
  /** Runs `fn` under the object's lock (serialised with create, delete and alarms). */
  readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** The first retry of a failed seal, doubled on every further failure up to SEAL_RETRY_MAX_MS. */
export const SEAL_RETRY_MS = 2_000;
const SEAL_RETRY_MAX_MS = 5 * 60_000;

/** Seals, purges and edge visibility of one stream's R2 segments. */
export class ColdStorage {
  /** Messages in the hot log since the last segment; null until counted. */
  private hotMessages: number | null = null;
  private rotationQueued = false;
  /** Test-only: purge attempts still to fail. */
  failPurges = 0;
  /** Test-only: seal uploads still to fail. */
  failSeals = 0;
  /** Seal runs started and failed since this instance started (storage stats). */
  readonly sealStats = { attempts: 0, failures: 0 };
  /** Failed seal runs in a row, and when the next may start. */
  private failuresInRow = 0;
  private retryAt = 0;

  constructor(private readonly d: ColdDeps) {}

  /** After an append of `messages` committed: starts a seal in the background when over a threshold. */
  appended(m: StreamMeta, messages: number): void {
    if (this.hotMessages !== null) this.hotMessages += messages;
    if (!this.d.bucket || this.rotationQueued || messages === 0 || Date.now() < this.retryAt) return;
    if (!this.overThreshold(m)) return;
    this.rotationQueued = true;
    // The append is acknowledged first; the seal runs under the lock.
    void this.d.exclusive(() => {
      this.rotationQueued = false;
      return this.rotate({});
    });
  }

  /** The hot log changed under the counter (a seal committed, or the data was dropped). */
  resetCount(): void {
    this.hotMessages = null;
  }

  /** Seals (call under the lock); failures are logged and retried from the alarm, backing off. */
  async rotate(opts: RotationOptions): Promise<number> {
    const m = this.d.host.meta();
    if (!this.d.bucket || !m) return 0;
    const delay = Math.min(SEAL_RETRY_MAX_MS, SEAL_RETRY_MS * 2 ** this.failuresInRow);
    if (opts.force || this.d.host.segments.pending().length > 0 || this.overThreshold(m)) this.d.scheduleRetry(delay);
    this.sealStats.attempts += 1;
    try {
      const sealed = await rotate(this.d.host, this.d.limits, { ...opts, beforeUpload: () => this.injectSealFault() });
      this.failuresInRow = 0;
      this.retryAt = 0;
      return sealed;
    } catch (e) {
      this.sealStats.failures += 1;
      this.failuresInRow += 1;
      this.retryAt = Date.now() + delay;
      console.error(JSON.stringify({ msg: "segment seal failed; will retry", stream: m.key, error: String(e) }));
      return 0;
    }
  }

  private injectSealFault(): void {
    if (this.failSeals > 0 && this.failSeals--) throw new Error("fault injected: R2 unavailable");
  }

  private overThreshold(m: StreamMeta): boolean {
    const start = this.d.host.segments.last()?.end ?? ownStart(m);
    return needsRotation(m.tail - start, this.hotMessageCount(m), this.d.limits);
  }

  /** Messages in the hot log: counted once, then kept up to date by `appended`. */
  hotMessageCount(m: StreamMeta): number {
    this.hotMessages ??= this.d.host.store.countMessages(this.d.host.segments.last()?.end ?? ownStart(m), m.tail);
    return this.hotMessages;
  }

  /**
   * A soft-deleted stream answers 410, so the edge must stop serving its
   * segments: its head goes (the segments stay for its forks).
   */
  async hideFromEdge(m: StreamMeta): Promise<void> {
    const bucket = this.d.bucket;
    if (!bucket || !this.d.host.segments.any()) return;
    try {
      const key = headKey(this.d.host.doId);
      const head = await loadHead(bucket, key);
      if (head?.instance === m.instance) await bucket.delete(key);
    } catch (e) {
      console.error(JSON.stringify({ msg: "segment head delete failed; will retry", stream: m.key, error: String(e) }));
      this.d.scheduleRetry();
    }
  }

  /** Drops the stream's data and segment index (in the caller's transaction); R2 is purged later. */
  dropData(m: StreamMeta): void {
    const { segments, store } = this.d.host;
    if (segments.any()) segments.addPurge(m.instance, Date.now());
    segments.clear();
    store.clearData();
    this.hotMessages = null;
  }

  /** Deletes the R2 objects of gone instances; true when none are left. */
  async finishPurges(): Promise<boolean> {
    const { segments, doId } = this.d.host;
    const todo = segments.purges();
    if (todo.length === 0) return true;
    if (!this.d.bucket) return false;
    for (const instance of todo) {
      try {
        if (this.failPurges > 0 && this.failPurges--) throw new Error("fault injected: R2 unavailable");
        await purgeInstance(this.d.bucket, doId, instance);
        segments.donePurge(instance);
      } catch (e) {
        console.error(JSON.stringify({ msg: "segment purge failed; will retry", instance, error: String(e) }));
        this.d.scheduleRetry();
        return false;
      }
    }
    return true;
  }
}
