/**
 * SubscriptionDO: one per subscription (`sub:<project>:<id>`: state, links,
 * alarm-driven delivery) and one per project (`reg:<project>`: the registry
 * and signing keys). The class wires storage and the alarm and delegates to
 * subscription.ts / registry.ts / keys.ts.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.js";
import { listCatalog } from "../catalog/list.js";
import { parseListParams } from "../catalog/list-params.js";
import type { SubConfig } from "./config.js";
import { coveredPattern, coveredStream, registryParts, type RegistryPart } from "./scope.js";
import { KeyStore, type PublicJwk, type SigningKey } from "./keys.js";
import { registryStub } from "./names.js";
import { Registry, type Match } from "./registry.js";
import { SubStore, type SubRow } from "./store.js";
import { Subscription, type Position, type Reply } from "./subscription.js";

const MAX_BACKFILL = 10_000;

/** A subscription or a project registry. */
export class SubscriptionDO extends DurableObject<Env> {
  private readonly sub: Subscription;
  private readonly store: SubStore;
  private registryTables: { reg: Registry; keys: KeyStore } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = new SubStore(ctx.storage.sql);
    this.store = store;
    this.sub = new Subscription({
      env,
      store,
      now: () => Date.now(),
      setAlarm: (at) => void ctx.storage.setAlarm(at),
      signingKey: () => this.activeKey(store.row()!.project),
      register: (row, old) => this.register(row, old),
      unregister: (row) => this.register(row, row.config, true),
      streamTail: async (path, subId) => {
        const c = coveredStream(store.row()!.project, path);
        if (typeof c === "string") return null;
        return env.STREAMS.get(env.STREAMS.idFromName(`${c.project}/${c.name}`)).subscriptionLink(subId);
      },
      listGlob: (pattern) => this.listGlob(store.row()!.project, pattern),
    });
  }

  /** Read from the registry for every delivery (one call; deliveries are rare), so a rotation applies at once. */
  private activeKey(project: string): Promise<SigningKey> {
    return registryStub(this.env, project).regSigningKey();
  }

  /** Writes the subscription's parts into the registries of the projects it covers (and its own). */
  private async register(row: SubRow, old: SubConfig | null, removeAll = false): Promise<void> {
    const parts = removeAll ? new Map<string, RegistryPart>() : registryParts(row.project, row.config);
    // Its own project lists it even when it covers only other projects' streams (admin API).
    if (!removeAll && !parts.has(row.project)) parts.set(row.project, { pattern: null, streams: [], prefix: "" });
    const gone = [...registryParts(row.project, old ?? { pattern: null, streams: [] }).keys(), row.project];
    await Promise.all([
      ...[...parts].map(([p, part]) => registryStub(this.env, p).regPut(row.project, row.id, part)),
      ...gone.filter((p) => !parts.has(p)).map((p) => registryStub(this.env, p).regRemove(row.project, row.id)),
    ]);
  }

  private async listGlob(subProject: string, subPattern: string): Promise<string[]> {
    const cp = coveredPattern(subProject, subPattern);
    if (typeof cp === "string") return [];
    const { project, pattern, prefix } = cp;
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const p = parseListParams({ glob: pattern, kind: "stream", limit: 1000, ...(cursor ? { cursor } : {}) });
      if ("ok" in p) throw new Error(p.message);
      const page = await listCatalog(this.env, project, p);
      names.push(...page.streams.map((s) => `${prefix}${s.name}`));
      cursor = page.cursor ?? undefined;
    } while (cursor && names.length < MAX_BACKFILL);
    return names;
  }

  private registry(): { reg: Registry; keys: KeyStore } {
    this.registryTables ??= { reg: new Registry(this.ctx.storage.sql), keys: new KeyStore(this.ctx.storage.sql) };
    return this.registryTables;
  }

  // ---- subscription role --------------------------------------------------

  /** PUT. */
  put(project: string, id: string, config: SubConfig, hash: string, root: string): Promise<Reply> {
    return this.ctx.blockConcurrencyWhile(() => this.sub.put(project, id, config, hash, root));
  }

  /** GET. */
  async get(): Promise<Reply> {
    const row = this.store.row();
    if (!row || row.deleted)
      return { status: 404, body: { error: { code: "not_found", message: "No such subscription" } } };
    return { status: 200, body: await this.sub.view(row) };
  }

  /** DELETE. */
  remove(): Promise<Reply> {
    return this.sub.remove();
  }

  /** POST .../streams. */
  addStreams(paths: string[]): Promise<Reply> {
    return this.sub.addStreams(paths);
  }

  /** DELETE .../streams/:path. */
  removeStream(path: string): Promise<Reply> {
    return this.sub.removeStream(path);
  }

  /** A covered stream advanced (called by its StreamDO). */
  async advance(path: string, from: Position, tail: Position): Promise<boolean> {
    return this.sub.advance(path, from, tail);
  }

  /** Webhook callback / pull-wake ack. */
  ack(token: string | null, body: unknown, kind: "webhook" | "pull-wake"): Promise<Reply> {
    return this.sub.ack(token, body, kind);
  }

  /** Pull-wake claim. */
  claim(worker: string): Promise<Reply> {
    return this.sub.claim(worker);
  }

  /** Pull-wake release. */
  release(token: string | null, body: unknown): Promise<Reply> {
    return this.sub.release(token, body);
  }

  /** Lag per stream (admin API). */
  async lag(): Promise<ReturnType<Subscription["lag"]>> {
    return this.sub.lag();
  }

  override async alarm(): Promise<void> {
    await this.sub.onAlarm();
  }

  // ---- registry role ------------------------------------------------------

  /** Records the part of subscription `project:id` in this project. */
  async regPut(project: string, id: string, part: RegistryPart): Promise<void> {
    this.registry().reg.put(project, id, part);
  }

  /** Forgets a subscription's part. */
  async regRemove(project: string, id: string): Promise<void> {
    this.registry().reg.remove(project, id);
  }

  /** The subscriptions covering one of this project's streams. */
  async regMatch(name: string): Promise<Match[]> {
    return this.registry().reg.match(name);
  }

  /** Subscription ids living in `project` (admin API). */
  async regIds(project: string, limit: number): Promise<string[]> {
    return this.registry().reg.ids(project, limit);
  }

  /** The active signing key (objects only; never sent to clients). */
  regSigningKey(): Promise<SigningKey> {
    return this.ctx.blockConcurrencyWhile(() => this.registry().keys.active(Date.now()));
  }

  /** The public JWKS. */
  regJwks(): Promise<{ keys: PublicJwk[] }> {
    return this.ctx.blockConcurrencyWhile(() => this.registry().keys.jwks(Date.now()));
  }

  /** Rotates the signing key now (admin / tests). */
  async regRotate(): Promise<string> {
    return (await this.ctx.blockConcurrencyWhile(() => this.registry().keys.rotate(Date.now()))).kid;
  }
}
