/**
 * The Cloudflare resources a deployment needs — one per KV namespace, R2
 * bucket and queue the server's wrangler.jsonc binds — named after the
 * Worker, found or created through wrangler. Re-running finds what exists
 * and reuses it.
 */
import { CliError } from "./errors.js";
import type { WranglerConfig } from "./server-package.js";
import { failure, type Wrangler } from "./wrangler.js";

/** A KV namespace to bind. */
export interface KvResource {
  readonly binding: string;
  readonly title: string;
  id?: string;
}
/** An R2 bucket to bind. */
export interface R2Resource {
  readonly binding: string;
  readonly bucket: string;
}
/** A queue; `source` is its name in the server's config. */
export interface QueueResource {
  readonly source: string;
  readonly name: string;
}

/** What a deployment binds, and which of it this run created. */
export interface Resources {
  readonly kv: KvResource[];
  readonly r2: R2Resource[];
  readonly queues: QueueResource[];
  /** Human names ("KV namespace x") of what was created / found. */
  readonly created: string[];
  readonly reused: string[];
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/** The resources for a Worker named `worker`, from the server's bindings. */
export function planResources(config: WranglerConfig, worker: string): Resources {
  const queueNames = new Set<string>();
  for (const p of config.queues?.producers ?? []) queueNames.add(p.queue);
  for (const c of config.queues?.consumers ?? []) queueNames.add(c.queue);
  return {
    kv: (config.kv_namespaces ?? []).map((k) => ({ binding: k.binding, title: `${worker}-${slug(k.binding)}` })),
    r2: (config.r2_buckets ?? []).map((b) => ({ binding: b.binding, bucket: `${worker}-${slug(b.binding)}` })),
    queues: [...queueNames].map((q) => ({ source: q, name: q.startsWith(`${worker}-`) ? q : `${worker}-${slug(q)}` })),
    created: [],
    reused: [],
  };
}

/** Local mode: wrangler simulates everything; KV keeps the server's ids so `pnpm dev` shares the state. */
export function localResources(config: WranglerConfig, worker: string): Resources {
  const plan = planResources(config, worker);
  for (const k of plan.kv) k.id = config.kv_namespaces?.find((x) => x.binding === k.binding)?.id;
  return plan;
}

const HINT = "check that your API token may edit Workers KV, R2 and Queues, then re-run setup (it reuses what exists)";

async function kvNamespaces(w: Wrangler): Promise<{ id: string; title: string }[]> {
  const r = await w.run({ args: ["kv", "namespace", "list"], hint: HINT });
  try {
    return JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as { id: string; title: string }[];
  } catch {
    throw new CliError("wrangler kv namespace list did not answer with JSON", HINT);
  }
}

/** wrangler's words for "there is no such bucket / queue" (API codes 10006, 11000). */
const MISSING = /does not exist|\[code: (?:10006|11000)\]/i;
const EXISTS = /already exists|already owned/i;
/** R2 names are global: "already exists" without "you own it" is someone else's bucket. */
const OWNED = /you own it|already owned/i;

/** Finds a bucket or queue by name (`info`, exact and paging-free); true if it exists. */
async function found(w: Wrangler, args: string[]): Promise<boolean> {
  const call = { args, hint: HINT, allowFailure: true };
  const r = await w.run(call);
  if (r.code === 0) return true;
  if (MISSING.test(r.stderr + r.stdout)) return false;
  throw failure(call, r);
}

async function provisionKv(w: Wrangler, res: Resources): Promise<void> {
  let known = await kvNamespaces(w);
  for (const k of res.kv) {
    let hit = known.find((n) => n.title === k.title);
    if (!hit) {
      const call = { args: ["kv", "namespace", "create", k.title], hint: HINT, allowFailure: true };
      const r = await w.run(call);
      if (r.code !== 0 && !EXISTS.test(r.stderr + r.stdout)) throw failure(call, r);
      known = await kvNamespaces(w);
      hit = known.find((n) => n.title === k.title);
      if (!hit) throw new CliError(`KV namespace ${k.title} was created but is not listed`, HINT);
      (r.code === 0 ? res.created : res.reused).push(`KV namespace ${k.title}`);
    } else {
      res.reused.push(`KV namespace ${k.title}`);
    }
    k.id = hit.id;
  }
}

async function provisionR2(w: Wrangler, res: Resources): Promise<void> {
  for (const b of res.r2) {
    if (await found(w, ["r2", "bucket", "info", b.bucket])) {
      res.reused.push(`R2 bucket ${b.bucket}`);
      continue;
    }
    const call = { args: ["r2", "bucket", "create", b.bucket], hint: HINT, allowFailure: true };
    const r = await w.run(call);
    const text = r.stderr + r.stdout;
    if (r.code !== 0 && EXISTS.test(text) && !OWNED.test(text)) {
      throw new CliError(
        `The R2 bucket name ${b.bucket} is taken by another Cloudflare account (bucket names are global)`,
        "choose another Worker name with --name (resources are named after it), then re-run setup",
      );
    }
    if (r.code !== 0 && !EXISTS.test(text)) throw failure(call, r);
    (r.code === 0 ? res.created : res.reused).push(`R2 bucket ${b.bucket}`);
  }
}

async function provisionQueues(w: Wrangler, res: Resources): Promise<void> {
  for (const q of res.queues) {
    if (await found(w, ["queues", "info", q.name])) {
      res.reused.push(`queue ${q.name}`);
      continue;
    }
    const call = { args: ["queues", "create", q.name], hint: HINT, allowFailure: true };
    const r = await w.run(call);
    if (r.code !== 0 && !EXISTS.test(r.stderr + r.stdout)) throw failure(call, r);
    (r.code === 0 ? res.created : res.reused).push(`queue ${q.name}`);
  }
}

/**
 * Finds or creates every resource and fills in KV ids. Each is looked up
 * before it is created, so a run that failed half-way is finished by the next.
 */
export async function provision(w: Wrangler, res: Resources): Promise<void> {
  if (res.kv.length > 0) await provisionKv(w, res);
  await provisionR2(w, res);
  await provisionQueues(w, res);
}
