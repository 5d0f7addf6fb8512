/**
 * The operations of one subscription (PROTOCOL.md §6–7), over its store.
 * The object (subscription-do.ts) wires storage and the alarm; every wake
 * that must go out is sent from the alarm, whose schedule is persisted
 * (`nextAttemptAt`, `leaseUntil`), so an evicted or restarted object resumes
 * its retries and lease expiries where they were.
 */
import type { Env } from "../env.js";
import { formatOffset } from "../protocol/offset.js";
import { covers, type SubConfig } from "./config.js";
import { CLAIM_TOKEN_TTL_MS, postWebhook, webhookBody, writeWakeEvent } from "./delivery.js";
import type { SigningKey } from "./keys.js";
import { wakeStream, type SubRow, type SubStore } from "./store.js";
import { mintWakeToken, randomId } from "./tokens.js";
import { applyAcks, backoffMs, endWake, fenced, maybeWake, parseWakeBody, pending } from "./wake.js";

/** An HTTP-shaped answer the edge turns into a response. */
export interface Reply {
  status: number;
  body?: unknown;
}

/** A stream position and its offset token. */
export interface Position {
  pos: number;
  token: string;
}

/** What a subscription needs from its object. */
export interface SubDeps {
  readonly env: Env;
  readonly store: SubStore;
  now(): number;
  setAlarm(at: number): void;
  signingKey(): Promise<SigningKey>;
  /** Registers / unregisters the subscription in the project registry. */
  register(row: SubRow, old: SubConfig | null): Promise<void>;
  unregister(row: SubRow): Promise<void>;
  /** A stream's tail (linking the subscription to it), or null when no stream lives there. */
  streamTail(path: string, subId: string): Promise<Position | null>;
  /** The names of a project's streams matching a glob (from the catalog). */
  listGlob(pattern: string): Promise<string[]>;
}

/** The offset before any data. */
export const START: Position = { pos: 0, token: formatOffset({ segment: 0, position: 0 }) };

const err = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { error: { code, message, ...extra } },
});
const FENCED = err(409, "FENCED", "The wake id or generation is not the current one");
const GONE = err(404, "not_found", "No such subscription");

/** One subscription. */
export class Subscription {
  constructor(private readonly d: SubDeps) {}

  private live(): SubRow | null {
    const row = this.d.store.row();
    return row && !row.deleted ? row : null;
  }

  /** The GET view. */
  async view(row: SubRow): Promise<Record<string, unknown>> {
    const c = row.config;
    const webhook =
      c.webhookUrl === null
        ? null
        : {
            url: c.webhookUrl,
            signing: { alg: "ed25519", kid: (await this.d.signingKey()).kid, jwks_url: `${row.root}__ds/jwks.json` },
          };
    return {
      id: row.id,
      subscription_id: row.id,
      type: c.type,
      pattern: c.pattern,
      streams: this.d.store.links().map((l) => {
        const w = wakeStream(l);
        return { path: w.path, link_type: w.link_type, acked_offset: w.acked_offset };
      }),
      webhook,
      wake_stream: c.wakeStream,
      lease_ttl_ms: c.leaseTtlMs,
      created_at: new Date(row.createdAt).toISOString(),
      status: row.lastError === null ? "active" : "failed",
      description: c.description,
      generation: row.generation,
    };
  }

  /** PUT: create (201), re-confirm (200) or conflict (409); links existing streams at their tails. */
  async put(project: string, id: string, config: SubConfig, hash: string, root: string): Promise<Reply> {
    const old = this.d.store.row();
    if (old && !old.deleted) {
      if (old.hash !== hash) return err(409, "conflict", "A subscription with this id has another configuration");
      return { status: 200, body: await this.view(old) };
    }
    const row: SubRow = {
      project,
      id,
      config,
      hash,
      root,
      createdAt: this.d.now(),
      deleted: false,
      // A re-created subscription keeps counting, so tokens of its previous life stay fenced.
      generation: old?.generation ?? 0,
      wakeId: null,
      holder: null,
      leaseUntil: null,
      secret: randomId(32),
      attempts: 0,
      nextAttemptAt: null,
      snapshot: [],
      wakeWritten: false,
      lastError: null,
    };
    this.d.store.clearLinks();
    this.d.store.save(row);
    // Registered before the backfill lists the catalog: a stream created meanwhile either
    // finds the subscription in the registry or is already in the catalog.
    await this.d.register(row, old?.config ?? null);
    const names = config.pattern === null ? [] : await this.d.listGlob(config.pattern);
    await this.link(row, [...new Set([...names, ...config.streams])]);
    return { status: 201, body: await this.view(this.d.store.row()!) };
  }

  private async link(row: SubRow, paths: string[]): Promise<void> {
    for (const path of paths) {
      const at = (await this.d.streamTail(path, row.id)) ?? START;
      const kind = { explicit: row.config.streams.includes(path), glob: covers({ ...row.config, streams: [] }, path) };
      this.d.store.upsert(path, kind, at);
    }
  }

  /** DELETE: tombstones the subscription; its tokens stop working. */
  async remove(): Promise<Reply> {
    const row = this.live();
    if (!row) return GONE;
    row.deleted = true;
    endWake(row);
    this.d.store.clearLinks();
    this.d.store.save(row);
    await this.d.unregister(row);
    return { status: 204 };
  }

  /** POST .../streams: adds explicit links at the streams' tails. */
  async addStreams(paths: string[]): Promise<Reply> {
    const row = this.live();
    if (!row) return GONE;
    const streams = [...new Set([...row.config.streams, ...paths])].sort();
    const old = row.config;
    row.config = { ...row.config, streams };
    this.d.store.save(row);
    await this.d.register(row, old);
    for (const path of paths) {
      const at = (await this.d.streamTail(path, row.id)) ?? START;
      this.d.store.upsert(path, { explicit: true, glob: false }, at);
    }
    return { status: 204 };
  }

  /** DELETE .../streams/:path: drops the explicit link only (a glob link stays). */
  async removeStream(path: string): Promise<Reply> {
    const row = this.live();
    if (!row) return GONE;
    const old = row.config;
    row.config = { ...row.config, streams: row.config.streams.filter((s) => s !== path) };
    this.d.store.save(row);
    await this.d.register(row, old);
    this.d.store.dropExplicit(path);
    return { status: 204 };
  }

  /** A covered stream's tail moved from `from` to `tail`; false when the subscription no longer covers it. */
  advance(path: string, from: Position, tail: Position): boolean {
    const row = this.live();
    if (!row || !covers(row.config, path)) return false;
    const kind = { explicit: row.config.streams.includes(path), glob: covers({ ...row.config, streams: [] }, path) };
    this.d.store.upsert(path, kind, from);
    this.d.store.raiseTail(path, tail.pos, tail.token);
    if (maybeWake(this.d.store, row, this.d.now())) this.d.setAlarm(this.d.now());
    return true;
  }

  /** POST .../callback (webhook) and .../ack (pull-wake). */
  async ack(token: string | null, raw: unknown, kind: "webhook" | "pull-wake"): Promise<Reply> {
    const row = this.live();
    if (!row) return GONE;
    if (row.config.type !== kind) return err(400, "bad_request", `This is a ${row.config.type} subscription`);
    const body = parseWakeBody(raw);
    if (typeof body === "string") return err(400, "bad_request", body);
    const now = this.d.now();
    if ((await fenced(row, token, body, now)) || (kind === "pull-wake" && row.holder === null)) return FENCED;
    const problem = applyAcks(this.d.store, body.acks);
    if (problem) return err(400, "bad_request", problem);
    if (body.done) {
      endWake(row);
      row.lastError = null;
      this.d.store.save(row);
      const next = pending(this.d.store).length > 0;
      if (maybeWake(this.d.store, row, now)) this.d.setAlarm(now);
      return { status: 200, body: { ok: true, next_wake: next } };
    }
    row.leaseUntil = now + row.config.leaseTtlMs;
    this.d.store.save(row);
    this.d.setAlarm(row.leaseUntil);
    return { status: 200, body: { ok: true, next_wake: false } };
  }

  /** POST .../claim: takes the lease of the current (or a new) wake. */
  async claim(worker: string): Promise<Reply> {
    const row = this.live();
    if (!row) return GONE;
    if (row.config.type !== "pull-wake") return err(400, "bad_request", "Only pull-wake subscriptions are claimed");
    const now = this.d.now();
    if (row.holder !== null && (row.leaseUntil ?? 0) > now) {
      return err(409, "ALREADY_CLAIMED", "Another worker holds the lease", {
        current_holder: row.holder,
        generation: row.generation,
      });
    }
    if (row.holder !== null) endWake(row); // an expired lease the alarm has not cleared yet
    if (row.wakeId === null && !maybeWake(this.d.store, row, now)) {
      return err(409, "NO_PENDING_WORK", "No stream of this subscription has unacked data");
    }
    row.wakeWritten = true; // a claimed wake needs no event any more
    row.holder = worker;
    row.leaseUntil = now + row.config.leaseTtlMs;
    row.snapshot = pending(this.d.store);
    this.d.store.save(row);
    this.d.setAlarm(row.leaseUntil);
    const token = await mintWakeToken(row.secret, {
      sub: row.id,
      gen: row.generation,
      wake: row.wakeId!,
      exp: now + CLAIM_TOKEN_TTL_MS,
    });
    return {
      status: 200,
      body: {
        wake_id: row.wakeId,
        generation: row.generation,
        token,
        streams: row.snapshot,
        lease_ttl_ms: row.config.leaseTtlMs,
      },
    };
  }

  /** POST .../release: gives the lease back without acking; pending work wakes again. */
  async release(token: string | null, raw: unknown): Promise<Reply> {
    const row = this.live();
    if (!row) return GONE;
    const body = parseWakeBody(raw);
    if (typeof body === "string") return err(400, "bad_request", body);
    const now = this.d.now();
    if ((await fenced(row, token, body, now)) || row.holder === null) return FENCED;
    endWake(row);
    this.d.store.save(row);
    if (maybeWake(this.d.store, row, now)) this.d.setAlarm(now);
    return { status: 204 };
  }

  /** The alarm: sends a due wake, retries a failed one, expires a lease. */
  async onAlarm(): Promise<void> {
    const row = this.live();
    if (!row || row.wakeId === null) return;
    const now = this.d.now();
    if (row.leaseUntil !== null) {
      if (row.leaseUntil > now) return this.d.setAlarm(row.leaseUntil);
      endWake(row); // lease expired: clear holder and token, wake again if work remains
      this.d.store.save(row);
      if (maybeWake(this.d.store, row, now)) return this.send(this.d.store.row()!, now);
      return;
    }
    if (row.config.type === "pull-wake" && row.wakeWritten) return;
    if ((row.nextAttemptAt ?? now) > now) return this.d.setAlarm(row.nextAttemptAt!);
    return this.send(row, now);
  }

  /** One attempt; the next one is scheduled (and persisted) before the request goes out. */
  private async send(row: SubRow, now: number): Promise<void> {
    const wake = row.wakeId;
    row.attempts += 1;
    row.nextAttemptAt = now + backoffMs(row.attempts);
    this.d.store.save(row);
    this.d.setAlarm(row.nextAttemptAt);
    let error: string | null;
    let done = false;
    if (row.config.type === "webhook") {
      const out = await postWebhook(
        row.config.webhookUrl!,
        await webhookBody(row, now),
        await this.d.signingKey(),
        now,
      );
      error = out.ok ? null : out.error;
      done = out.ok && out.done;
    } else {
      error = await writeWakeEvent(this.d.env, row, now);
    }
    // Other requests ran while this one waited: act only if the wake is still the one sent.
    const cur = this.live();
    if (!cur || cur.wakeId !== wake || cur.leaseUntil !== null) return;
    const t = this.d.now();
    cur.lastError = error;
    if (error === null) {
      cur.attempts = 0;
      cur.nextAttemptAt = null;
      if (cur.config.type === "pull-wake") cur.wakeWritten = true;
      else if (done) {
        // {"done": true}: ack the snapshot's tails and release (§7.1).
        for (const s of cur.snapshot) applyAcks(this.d.store, [{ stream: s.path, offset: s.tail_offset }]);
        endWake(cur);
        this.d.store.save(cur);
        if (maybeWake(this.d.store, cur, t)) this.d.setAlarm(t);
        return;
      } else {
        cur.leaseUntil = t + cur.config.leaseTtlMs;
        this.d.setAlarm(cur.leaseUntil);
      }
    }
    this.d.store.save(cur);
  }

  /** Per-stream lag in bytes (tail - acked), for the admin API. */
  lag(): {
    id: string;
    type: string;
    generation: number;
    status: string;
    streams: { path: string; lag: number }[];
  } | null {
    const row = this.live();
    if (!row) return null;
    return {
      id: row.id,
      type: row.config.type,
      generation: row.generation,
      status: row.lastError === null ? "active" : "failed",
      streams: this.d.store.links().map((l) => ({ path: l.path, lag: l.tail - l.acked })),
    };
  }
}
