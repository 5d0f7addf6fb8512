/**
 * The Cloudflare API routes the setup, upgrade and destroy flows' wrangler
 * invocations use (found by running wrangler 4.86 against the double and
 * reading its unknown-route log): identity, KV, R2 and Queues here; Worker
 * scripts in script-routes.ts. List answers paginate the way each endpoint
 * does (page/per_page with total_count, or a cursor).
 */
import { ApiError, type Answer, type ApiRequest } from "./server.js";
import { addBucket, addKv, addQueue, newId, type AccountState } from "./state.js";
import { scriptRoutes } from "./script-routes.js";
import { assetRoutes } from "./asset-routes.js";

/** A route: method, path with `:params`, handler. */
export interface Route {
  readonly method: string;
  readonly path: string;
  handle(req: ApiRequest): Answer | Promise<Answer>;
}

const A = "/accounts/:account";

/** A page of `items` by ?page & ?per_page, with the result_info wrangler reads. */
export function paged<T>(items: readonly T[], q: URLSearchParams, cap: number): Answer {
  // Like the API, the page size asked for is capped (small here, so wrangler's paging is exercised).
  const per = Math.min(Number(q.get("per_page") ?? cap), cap);
  const page = Number(q.get("page") ?? 1);
  return {
    result: items.slice((page - 1) * per, page * per),
    result_info: { page, per_page: per, count: Math.min(per, items.length), total_count: items.length },
  };
}

/** A page of `items` by ?cursor (an offset here) & ?per_page. */
export function cursored<T>(items: readonly T[], q: URLSearchParams, cap: number, wrap?: string): Answer {
  const per = Math.min(Number(q.get("per_page") ?? q.get("limit") ?? cap), cap);
  const from = Number(q.get("cursor") ?? 0);
  const slice = items.slice(from, from + per);
  const cursor = from + per < items.length ? String(from + per) : "";
  return { result: wrap ? { [wrap]: slice } : slice, result_info: { cursor, per_page: per, count: slice.length } };
}

function account(req: ApiRequest): AccountState {
  if (req.params.account !== req.state.accountId)
    throw new ApiError(403, 9109, "Unauthorized to access requested resource");
  return req.state;
}

const json = (req: ApiRequest) => JSON.parse(req.body.toString() || "{}") as Record<string, unknown>;

function kvOf(req: ApiRequest) {
  const ns = account(req).kv.get(req.params.ns!);
  if (!ns) throw new ApiError(404, 10013, "namespace not found");
  return ns;
}

function queueOf(req: ApiRequest) {
  const s = account(req);
  const q = s.queues.get(req.params.queue!) ?? [...s.queues.values()].find((x) => x.queue_name === req.params.queue);
  if (!q) throw new ApiError(404, 11000, "Queue does not exist");
  return q;
}

const identity: Route[] = [
  // `r2 bucket info` asks GraphQL for usage figures: none here.
  {
    method: "POST",
    path: "/graphql",
    handle: () => ({
      result: null,
      raw: JSON.stringify({ data: { viewer: { accounts: [] } }, errors: null }),
      rawType: "application/json",
    }),
  },
  { method: "GET", path: "/user", handle: (r) => ({ result: { id: "user-1", email: r.state.email } }) },
  {
    method: "GET",
    path: "/user/tokens/verify",
    handle: () => ({ result: { id: "token-1", status: "active" } }),
  },
  {
    method: "GET",
    path: "/accounts",
    handle: (r) => paged([{ id: r.state.accountId, name: r.state.accountName }], r.query, 20),
  },
  {
    method: "GET",
    path: "/memberships",
    handle: (r) =>
      paged(
        [{ id: "m-1", account: { id: r.state.accountId, name: r.state.accountName }, roles: ["Administrator"] }],
        r.query,
        20,
      ),
  },
  {
    method: "GET",
    path: `${A}/workers/subdomain`,
    handle: (r) => {
      const sub = account(r).subdomain;
      if (sub === null) throw new ApiError(404, 10007, "workers.dev subdomain not found");
      return { result: { subdomain: sub } };
    },
  },
  {
    method: "PUT",
    path: `${A}/workers/subdomain`,
    handle: (r) => {
      const sub = String(json(r).subdomain ?? "");
      account(r).subdomain = sub;
      return { result: { subdomain: sub } };
    },
  },
];

const kv: Route[] = [
  {
    method: "GET",
    path: `${A}/storage/kv/namespaces`,
    handle: (r) => {
      const all = [...account(r).kv.values()]
        .map(({ id, title }) => ({ id, title, supports_url_encoding: true }))
        .sort((a, b) => a.title.localeCompare(b.title));
      return paged(all, r.query, r.state.pageSize);
    },
  },
  {
    method: "POST",
    path: `${A}/storage/kv/namespaces`,
    handle: (r) => {
      const title = String(json(r).title ?? "");
      if ([...account(r).kv.values()].some((n) => n.title === title)) {
        throw new ApiError(400, 10014, "a namespace with this account ID and title already exists");
      }
      const ns = addKv(r.state, title);
      return { result: { id: ns.id, title, supports_url_encoding: true } };
    },
  },
  {
    method: "DELETE",
    path: `${A}/storage/kv/namespaces/:ns`,
    handle: (r) => {
      kvOf(r);
      r.state.kv.delete(r.params.ns!);
      return { result: null };
    },
  },
  {
    method: "GET",
    path: `${A}/storage/kv/namespaces/:ns/values/:key`,
    handle: (r) => {
      const v = kvOf(r).values.get(r.params.key!);
      if (v === undefined) throw new ApiError(404, 10009, "get: 'key not found'");
      return { result: null, raw: v.toString() };
    },
  },
  {
    method: "PUT",
    path: `${A}/storage/kv/namespaces/:ns/values/:key`,
    handle: async (r) => {
      const ns = kvOf(r);
      const type = r.headers.get("content-type") ?? "";
      let value = r.body;
      if (type.startsWith("multipart/form-data")) {
        const form = await new Request("http://x", {
          method: "PUT",
          headers: { "content-type": type },
          body: r.body,
        }).formData();
        const part = form.get("value");
        value = typeof part === "string" ? Buffer.from(part) : Buffer.from(await (part as Blob).arrayBuffer());
      }
      ns.values.set(r.params.key!, value);
      return { result: null };
    },
  },
  {
    method: "GET",
    path: `${A}/storage/kv/namespaces/:ns/keys`,
    handle: (r) => {
      const prefix = r.query.get("prefix") ?? "";
      const names = [...kvOf(r).values.keys()].filter((k) => k.startsWith(prefix)).sort();
      return cursored(
        names.map((name) => ({ name })),
        r.query,
        1000,
      );
    },
  },
];

const r2: Route[] = [
  {
    method: "GET",
    path: `${A}/r2/buckets`,
    handle: (r) => cursored([...account(r).r2.values()], r.query, r.state.pageSize, "buckets"),
  },
  {
    method: "POST",
    path: `${A}/r2/buckets`,
    handle: (r) => {
      const name = String(json(r).name ?? "");
      if (account(r).r2.has(name)) {
        throw new ApiError(409, 10004, "The bucket you tried to create already exists, and you own it.");
      }
      if (r.state.takenBuckets.has(name))
        throw new ApiError(409, 10004, "The bucket you tried to create already exists.");
      addBucket(r.state, name);
      return { result: { name, creation_date: r.state.r2.get(name)!.creation_date } };
    },
  },
  {
    method: "GET",
    path: `${A}/r2/buckets/:bucket`,
    handle: (r) => {
      const b = account(r).r2.get(r.params.bucket!);
      if (!b) throw new ApiError(404, 10006, "The specified bucket does not exist.");
      return { result: { ...b, location: "WEUR", storage_class: "Standard" } };
    },
  },
  {
    method: "DELETE",
    path: `${A}/r2/buckets/:bucket`,
    handle: (r) => {
      const b = account(r).r2.get(r.params.bucket!);
      if (!b) throw new ApiError(404, 10006, "The specified bucket does not exist.");
      if (b.objects) throw new ApiError(409, 10008, "The bucket you tried to delete is not empty.");
      r.state.r2.delete(b.name);
      return { result: {} };
    },
  },
];

const queueJson = (q: ReturnType<typeof queueOf>) => ({
  queue_id: q.queue_id,
  queue_name: q.queue_name,
  created_on: q.created_on,
  modified_on: q.created_on,
  producers: [],
  producers_total_count: 0,
  consumers: q.consumers.map((c) => ({ ...c, type: "worker" })),
  consumers_total_count: q.consumers.length,
});

const queues: Route[] = [
  {
    method: "GET",
    path: `${A}/queues`,
    handle: (r) => {
      const names = r.query.getAll("name");
      const all = [...account(r).queues.values()].filter((q) => names.length === 0 || names.includes(q.queue_name));
      return paged(all.map(queueJson), r.query, r.state.pageSize);
    },
  },
  {
    method: "POST",
    path: `${A}/queues`,
    handle: (r) => {
      const name = String(json(r).queue_name ?? "");
      if ([...account(r).queues.values()].some((q) => q.queue_name === name)) {
        throw new ApiError(409, 11009, "A queue with this name already exists");
      }
      return { result: queueJson(addQueue(r.state, name)) };
    },
  },
  { method: "GET", path: `${A}/queues/:queue`, handle: (r) => ({ result: queueJson(queueOf(r)) }) },
  {
    method: "DELETE",
    path: `${A}/queues/:queue`,
    handle: (r) => {
      const q = queueOf(r);
      r.state.queues.delete(q.queue_id);
      return { result: {} };
    },
  },
  { method: "GET", path: `${A}/queues/:queue/consumers`, handle: (r) => ({ result: queueJson(queueOf(r)).consumers }) },
  {
    method: "POST",
    path: `${A}/queues/:queue/consumers`,
    handle: (r) => {
      const q = queueOf(r);
      const body = json(r) as { script_name?: string; settings?: Record<string, unknown> };
      const script = String(body.script_name ?? "");
      if (q.consumers.some((c) => c.script === script)) {
        throw new ApiError(409, 11004, `Queue ${q.queue_name} already has a consumer for ${script}`);
      }
      const c = { consumer_id: newId(), script, settings: body.settings ?? {} };
      q.consumers.push(c);
      return { result: { ...c, type: "worker" } };
    },
  },
  {
    method: "PUT",
    path: `${A}/queues/:queue/consumers/:consumer`,
    handle: (r) => {
      const c = queueOf(r).consumers.find((x) => x.consumer_id === r.params.consumer);
      if (!c) throw new ApiError(404, 11005, "Consumer does not exist");
      c.settings = (json(r).settings as Record<string, unknown>) ?? {};
      return { result: { ...c, type: "worker" } };
    },
  },
  {
    method: "DELETE",
    path: `${A}/queues/:queue/consumers/:consumer`,
    handle: (r) => {
      const q = queueOf(r);
      q.consumers = q.consumers.filter((x) => x.consumer_id !== r.params.consumer && x.script !== r.params.consumer);
      return { result: {} };
    },
  },
];

/** Every route the double answers. */
export const routes: Route[] = [...identity, ...kv, ...r2, ...queues, ...scriptRoutes, ...assetRoutes];
