/**
 * Worker script routes of the Cloudflare API double: the multipart upload
 * (metadata with bindings, migrations, vars and secret_text bindings), the
 * script's settings and versions, workers.dev enablement, secrets, delete;
 * service bindings must name an existing Worker, and `references` reports them.
 */
import type { Route } from "./routes.js";
import { ApiError, type ApiRequest } from "./server.js";
import { newId, scriptOf, type ScriptMetadata } from "./state.js";
import { uploadedAssets } from "./asset-routes.js";

const S = "/accounts/:account/workers/scripts/:script";

function existing(req: ApiRequest) {
  if (req.params.account !== req.state.accountId) throw new ApiError(403, 9109, "Unauthorized");
  const s = req.state.scripts.get(req.params.script!);
  if (!s) throw new ApiError(404, 10007, "This Worker does not exist on your account.");
  return s;
}

async function form(req: ApiRequest): Promise<FormData> {
  const type = req.headers.get("content-type") ?? "";
  return new Request("http://x", { method: "PUT", headers: { "content-type": type }, body: req.body }).formData();
}

function settingsOf(req: ApiRequest) {
  const s = existing(req);
  const last = s.uploads.at(-1) ?? {};
  return {
    bindings: (last.bindings ?? []).map((b) => (b.type === "secret_text" ? { type: b.type, name: b.name } : b)),
    compatibility_date: last.compatibility_date,
    compatibility_flags: last.compatibility_flags ?? [],
    migration_tag: s.migrationTag,
    placement: {},
    tags: [],
    tail_consumers: [],
    observability: last.observability,
    logpush: false,
    usage_model: "standard",
  };
}

/** Applies an upload's migrations like the API: old_tag must match the script's tag. */
function migrate(current: string | undefined, m: ScriptMetadata["migrations"]): string | undefined {
  if (!m) return current;
  if ((m.old_tag ?? undefined) !== current) {
    throw new ApiError(
      400,
      10079,
      `migration old_tag ${m.old_tag ?? "(none)"} does not match the script's ${current ?? "(none)"}`,
    );
  }
  return m.new_tag ?? current;
}

/**
 * Stores an upload (PUT script, which also deploys; or POST versions, deployed
 * by a separate POST deployments). Migrations are applied like the API does.
 */
async function upload(r: ApiRequest, deploy: boolean) {
  if (r.params.account !== r.state.accountId) throw new ApiError(403, 9109, "Unauthorized");
  const f = await form(r);
  const meta = JSON.parse(String(f.get("metadata"))) as ScriptMetadata;
  const tag = migrate(r.state.scripts.get(r.params.script!)?.migrationTag, meta.migrations);
  // Like the API: a service binding needs its target Worker to exist.
  for (const b of meta.bindings ?? []) {
    if (b.type === "service" && !r.state.scripts.has(String(b.service))) {
      throw new ApiError(
        400,
        10143,
        `Could not resolve service binding '${b.name}'. Target script '${String(b.service)}' not found.`,
      );
    }
  }
  const assets = uploadedAssets(r.state, meta);
  const s = scriptOf(r.state, r.params.script!);
  s.uploads.push(meta);
  if (assets) s.assets = assets;
  s.migrationTag = tag;
  s.modules = [...f.keys()].filter((k) => k !== "metadata");
  for (const b of meta.bindings ?? []) if (b.type === "secret_text") s.secrets.set(b.name, String(b.text));
  const version = { id: newId(), number: s.versions.length + 1, created_on: new Date().toISOString() };
  s.versions.push(version);
  if (deploy) {
    s.deployments.push({
      id: newId(),
      created_on: version.created_on,
      versions: [{ version_id: version.id, percentage: 100 }],
    });
  }
  return { s, version };
}

/** The script routes. */
export const scriptRoutes: Route[] = [
  {
    method: "GET",
    path: "/accounts/:account/workers/scripts",
    handle: (r) => ({
      result: [...r.state.scripts.values()].map((s) => ({
        id: s.id,
        tag: `tag-${s.id}`,
        created_on: s.created_on,
        modified_on: s.versions.at(-1)?.created_on ?? s.created_on,
        ...(s.migrationTag ? { migration_tag: s.migrationTag } : {}),
      })),
    }),
  },
  {
    // `wrangler delete` deletes the service (the script and its Durable Objects' data).
    method: "DELETE",
    path: "/accounts/:account/workers/services/:script",
    handle: (r) => {
      existing(r);
      r.state.scripts.delete(r.params.script!);
      for (const q of r.state.queues.values()) q.consumers = q.consumers.filter((c) => c.script !== r.params.script);
      return { result: null };
    },
  },
  {
    method: "GET",
    path: "/accounts/:account/workers/services/:script",
    handle: (r) => {
      const s = existing(r);
      const script = {
        id: s.id,
        tag: `tag-${s.id}`,
        tags: [],
        last_deployed_from: "wrangler",
        migration_tag: s.migrationTag,
      };
      return { result: { id: s.id, default_environment: { environment: "production", script } } };
    },
  },
  {
    method: "PUT",
    path: S,
    handle: async (r) => {
      const { s, version } = await upload(r, true);
      return {
        result: {
          id: s.id,
          etag: version.id,
          created_on: s.created_on,
          modified_on: version.created_on,
          deployment_id: s.deployments.at(-1)!.id,
          startup_time_ms: 1,
          has_modules: true,
        },
      };
    },
  },
  {
    method: "POST",
    path: `${S}/versions`,
    handle: async (r) => {
      existing(r);
      const { version } = await upload(r, false);
      return { result: { ...version, resources: { script: { etag: version.id } }, startup_time_ms: 1 } };
    },
  },
  {
    method: "POST",
    path: `${S}/deployments`,
    handle: (r) => {
      const s = existing(r);
      const body = JSON.parse(r.body.toString()) as { versions: { version_id: string; percentage: number }[] };
      const d = { id: newId(), created_on: new Date().toISOString(), versions: body.versions };
      s.deployments.push(d);
      return { result: d };
    },
  },
  {
    method: "PATCH",
    path: `${S}/script-settings`,
    handle: (r) => (existing(r), { result: JSON.parse(r.body.toString() || "{}") as unknown }),
  },
  {
    method: "GET",
    path: `${S}/references`,
    // Incoming: the Workers whose last upload binds this one as a service (wrangler delete asks before deleting it).
    handle: (r) => {
      existing(r);
      const incoming = [...r.state.scripts.values()]
        .filter((s) =>
          (s.uploads.at(-1)?.bindings ?? []).some((b) => b.type === "service" && b.service === r.params.script),
        )
        .map((s) => ({ service: s.id, environment: "production" }));
      return { result: { services: { incoming, outgoing: [] }, durable_objects: [], dispatch_outbounds: [] } };
    },
  },
  { method: "GET", path: "/accounts/:account/workers/tails/by-consumer/:script", handle: () => ({ result: [] }) },
  {
    method: "GET",
    path: S,
    handle: (r) => ({ result: null, raw: existing(r).modules.join("\n") }),
  },
  {
    method: "DELETE",
    path: S,
    handle: (r) => {
      existing(r);
      r.state.scripts.delete(r.params.script!);
      for (const q of r.state.queues.values()) q.consumers = q.consumers.filter((c) => c.script !== r.params.script);
      return { result: null };
    },
  },
  { method: "GET", path: `${S}/settings`, handle: (r) => ({ result: settingsOf(r) }) },
  {
    method: "GET",
    path: `${S}/script-settings`,
    handle: (r) => ({ result: { logpush: false, tail_consumers: [], observability: settingsOf(r).observability } }),
  },
  {
    method: "GET",
    path: `${S}/subdomain`,
    handle: (r) => ({ result: { enabled: existing(r).workersDev, previews_enabled: false } }),
  },
  {
    method: "POST",
    path: `${S}/subdomain`,
    handle: (r) => {
      const s = existing(r);
      const body = JSON.parse(r.body.toString() || "{}") as { enabled?: boolean };
      if (body.enabled && r.state.subdomain === null) throw new ApiError(404, 10007, "workers.dev subdomain not found");
      s.workersDev = body.enabled === true;
      return { result: { enabled: s.workersDev, previews_enabled: false } };
    },
  },
  { method: "GET", path: `${S}/schedules`, handle: (r) => (existing(r), { result: { schedules: [] } }) },
  { method: "PUT", path: `${S}/schedules`, handle: (r) => (existing(r), { result: { schedules: [] } }) },
  {
    method: "GET",
    path: `${S}/secrets`,
    handle: (r) => ({ result: [...existing(r).secrets.keys()].map((name) => ({ name, type: "secret_text" })) }),
  },
  {
    method: "PUT",
    path: `${S}/secrets`,
    handle: (r) => {
      const body = JSON.parse(r.body.toString()) as { name: string; text: string };
      existing(r).secrets.set(body.name, body.text);
      return { result: { name: body.name, type: "secret_text" } };
    },
  },
  {
    method: "GET",
    path: `${S}/deployments`,
    handle: (r) => ({ result: { deployments: [...existing(r).deployments].reverse() } }),
  },
  {
    method: "GET",
    path: `${S}/versions`,
    handle: (r) => ({ result: { items: [...existing(r).versions].reverse() } }),
  },
];
