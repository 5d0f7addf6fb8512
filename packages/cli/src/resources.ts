/**
 * The Cloudflare resources a deployment needs — one per KV namespace, R2
 * bucket and queue the server's wrangler.jsonc binds — named after the
 * Worker, found or created through wrangler. Re-running finds what exists
 * and reuses it.
 */
import { CliError } from "./errors.js";
import type { WranglerConfig } from "./server-package.js";
import type { Wrangler } from "./wrangler.js";

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

/** Bucket names in `wrangler r2 bucket list` output (`name: x` lines). */
export function parseBucketList(stdout: string): string[] {
  return [...stdout.matchAll(/^\s*name:\s+(\S+)\s*$/gm)].map((m) => m[1]!);
}

/** Queue names in `wrangler queues list` output (a table with a name column). */
export function parseQueueList(stdout: string): string[] {
  const rows = stdout.split("\n").filter((l) => l.includes("│"));
  const header = rows.find((l) => /│\s*name\s*│/.test(l));
  if (!header) return [];
  const col = header.split("│").findIndex((c) => c.trim() === "name");
  return rows
    .filter((l) => l !== header)
    .map((l) => l.split("│")[col]?.trim() ?? "")
    .filter((n) => n !== "");
}

const exists = (text: string) => /already exists|already owned/i.test(text);

/** Finds or creates every resource; fills in KV ids. */
export async function provision(w: Wrangler, res: Resources): Promise<void> {
  if (res.kv.length > 0) {
    let known = await kvNamespaces(w);
    for (const k of res.kv) {
      let hit = known.find((n) => n.title === k.title);
      if (!hit) {
        await w.run({ args: ["kv", "namespace", "create", k.title], hint: HINT });
        known = await kvNamespaces(w);
        hit = known.find((n) => n.title === k.title);
        if (!hit) throw new CliError(`KV namespace ${k.title} was created but is not listed`, HINT);
        res.created.push(`KV namespace ${k.title}`);
      } else {
        res.reused.push(`KV namespace ${k.title}`);
      }
      k.id = hit.id;
    }
  }
  if (res.r2.length > 0) {
    const buckets = parseBucketList((await w.run({ args: ["r2", "bucket", "list"], hint: HINT })).stdout);
    for (const b of res.r2) {
      if (buckets.includes(b.bucket)) {
        res.reused.push(`R2 bucket ${b.bucket}`);
        continue;
      }
      const r = await w.run({ args: ["r2", "bucket", "create", b.bucket], hint: HINT, allowFailure: true });
      if (r.code !== 0 && !exists(r.stderr + r.stdout)) {
        throw new CliError(`wrangler r2 bucket create ${b.bucket} failed:\n${(r.stderr || r.stdout).trim()}`, HINT);
      }
      (r.code === 0 ? res.created : res.reused).push(`R2 bucket ${b.bucket}`);
    }
  }
  if (res.queues.length > 0) {
    const queues = parseQueueList((await w.run({ args: ["queues", "list"], hint: HINT })).stdout);
    for (const q of res.queues) {
      if (queues.includes(q.name)) {
        res.reused.push(`queue ${q.name}`);
        continue;
      }
      const r = await w.run({ args: ["queues", "create", q.name], hint: HINT, allowFailure: true });
      if (r.code !== 0 && !exists(r.stderr + r.stdout)) {
        throw new CliError(`wrangler queues create ${q.name} failed:\n${(r.stderr || r.stdout).trim()}`, HINT);
      }
      (r.code === 0 ? res.created : res.reused).push(`queue ${q.name}`);
    }
  }
}
