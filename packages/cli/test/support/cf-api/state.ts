/**
 * What the Cloudflare API double holds for its one account: KV namespaces
 * (with values), R2 buckets, queues and consumers, Worker scripts (their last
 * upload's metadata, migration tag, secrets, versions and static assets), the
 * account's asset store and upload sessions, and the workers.dev subdomain. Tests read it to check what wrangler did, and seed it to set up
 * a case (a taken name, many namespaces, an older migration tag).
 */
import { randomBytes } from "node:crypto";

const hex = (n: number) => randomBytes(n).toString("hex");

/** A KV namespace and its values. */
export interface KvNamespace {
  readonly id: string;
  readonly title: string;
  readonly values: Map<string, Buffer>;
}

/** A queue and its consumers (by script name). */
export interface Queue {
  readonly queue_id: string;
  readonly queue_name: string;
  readonly created_on: string;
  consumers: { consumer_id: string; script: string; settings: Record<string, unknown> }[];
}

/** One binding of an uploaded script, as the metadata sends it. */
export interface Binding {
  readonly type: string;
  readonly name: string;
  readonly [k: string]: unknown;
}

/** The upload metadata fields the tests check. */
export interface ScriptMetadata {
  readonly main_module?: string;
  readonly bindings?: Binding[];
  readonly migrations?: {
    old_tag?: string;
    new_tag?: string;
    steps?: Record<string, unknown>[];
    [k: string]: unknown;
  };
  readonly compatibility_date?: string;
  readonly compatibility_flags?: string[];
  readonly keep_bindings?: string[];
  readonly [k: string]: unknown;
}

/** A Worker script. */
export interface Script {
  readonly id: string;
  readonly created_on: string;
  /** Every upload's metadata, oldest first. */
  readonly uploads: ScriptMetadata[];
  /** Part names of the last upload (module files). */
  modules: string[];
  migrationTag?: string;
  /** Secret values by name (from secret_text bindings or the secrets API). */
  readonly secrets: Map<string, string>;
  versions: { id: string; number: number; created_on: string }[];
  deployments: { id: string; created_on: string; versions: { version_id: string; percentage: number }[] }[];
  workersDev: boolean;
  /** Static assets of the last upload that carried them: path → content hash (see `assetFiles`). */
  assets?: Map<string, string>;
}

/** An assets upload session: the manifest wrangler sent and the hashes still to upload. */
export interface AssetSession {
  readonly manifest: Record<string, { hash: string; size: number }>;
  readonly pending: Set<string>;
}

/** The account. */
export interface AccountState {
  readonly accountId: string;
  readonly accountName: string;
  readonly email: string;
  /** null: the account has no workers.dev subdomain. */
  subdomain: string | null;
  readonly kv: Map<string, KvNamespace>;
  readonly r2: Map<string, { name: string; creation_date: string; objects?: number }>;
  /** R2 bucket names owned by other accounts (R2 names are global). */
  readonly takenBuckets: Set<string>;
  readonly queues: Map<string, Queue>;
  readonly scripts: Map<string, Script>;
  /** List page size of the endpoints that paginate by themselves (R2, queues). */
  pageSize: number;
  /** Uploaded asset contents by hash (the account's asset store, shared by its scripts). */
  readonly assetStore: Map<string, Buffer>;
  /** Upload sessions by their JWT, and completion tokens (the JWT a script upload carries) by theirs. */
  readonly assetSessions: Map<string, AssetSession>;
  readonly assetCompletions: Map<string, AssetSession>;
}

/** A fresh account. `subdomain` undefined → "test-sub"; null → none registered. */
export function newAccountState(accountId: string, subdomain?: string | null): AccountState {
  return {
    accountId,
    accountName: "Test Account",
    email: "tester@example.com",
    subdomain: subdomain === undefined ? "test-sub" : subdomain,
    kv: new Map(),
    r2: new Map(),
    takenBuckets: new Set(),
    queues: new Map(),
    scripts: new Map(),
    pageSize: 2,
    assetStore: new Map(),
    assetSessions: new Map(),
    assetCompletions: new Map(),
  };
}

/** Adds a KV namespace (seeding or create). */
export function addKv(s: AccountState, title: string): KvNamespace {
  const ns = { id: hex(16), title, values: new Map<string, Buffer>() };
  s.kv.set(ns.id, ns);
  return ns;
}

/** Adds a queue (seeding or create). */
export function addQueue(s: AccountState, name: string): Queue {
  const q = { queue_id: hex(16), queue_name: name, created_on: new Date().toISOString(), consumers: [] };
  s.queues.set(q.queue_id, q);
  return q;
}

/** Adds an R2 bucket (seeding or create). */
export function addBucket(s: AccountState, name: string): void {
  s.r2.set(name, { name, creation_date: new Date().toISOString() });
}

/** The script named `name`, created empty if missing. */
export function scriptOf(s: AccountState, name: string): Script {
  let sc = s.scripts.get(name);
  if (!sc) {
    sc = {
      id: name,
      created_on: new Date().toISOString(),
      uploads: [],
      modules: [],
      secrets: new Map(),
      versions: [],
      deployments: [],
      workersDev: false,
    };
    s.scripts.set(name, sc);
  }
  return sc;
}

/** A script's static assets with their contents, by path. */
export function assetFiles(s: AccountState, script: Script): Map<string, Buffer | undefined> {
  return new Map([...(script.assets ?? new Map<string, string>())].map(([p, h]) => [p, s.assetStore.get(h)]));
}

/** A new id in the API's style. */
export const newId = () => hex(16);
