/**
 * The StreamDO's side of cold storage, wired by the Durable Object: when to
 * seal (thresholds, counted cheaply after each append), running seals, R2
 * purges of gone instances, and hiding a soft-deleted stream's segments from
 * the edge. Failures are logged and retried from the object's alarm.
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
  /** Arms the alarm soon, to retry unfinished work. */
  readonly scheduleRetry: () => void;
  /** Runs `fn` under the object's lock (serialised with create, delete and alarms). */
  readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Seals, purges and edge visibility of one stream's R2 segments. */
export class ColdStorage {
  /** Messages in the hot log since the last segment; null until counted. */
  private hotMessages: number | null = null;
  private rotationQueued = false;
  /** Test-only: purge attempts still to fail. */
  failPurges = 0;

  constructor(private readonly d: ColdDeps) {}

  /** After an append of `messages` committed: starts a seal in the background when over a threshold. */
  appended(m: StreamMeta, messages: number): void {
    if (this.hotMessages !== null) this.hotMessages += messages;
    if (!this.d.bucket || this.rotationQueued || messages === 0 || !this.overThreshold(m)) return;
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

  /** Seals (call under the lock); failures are logged and retried from the alarm. */
  async rotate(opts: RotationOptions): Promise<number> {
    const m = this.d.host.meta();
    if (!this.d.bucket || !m) return 0;
    if (opts.force || this.d.host.segments.pending().length > 0 || this.overThreshold(m)) this.d.scheduleRetry();
    try {
      return await rotate(this.d.host, this.d.limits, opts);
    } catch (e) {
      console.error(JSON.stringify({ msg: "segment seal failed; will retry", stream: m.key, error: String(e) }));
      return 0;
    }
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
