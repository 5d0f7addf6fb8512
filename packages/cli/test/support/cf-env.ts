/**
 * Running the built CLI against the Cloudflare API double: the environment
 * that points wrangler at it (loopback only: even wrangler's update check is
 * sent to a closed loopback port), and what the server's wrangler.jsonc says
 * a deployment must bind — parsed from the file, so new Durable Object
 * classes and migrations are expected as soon as they are added there.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readWranglerConfig, type WranglerConfig } from "../../src/server-package.js";
import type { CloudflareApiDouble } from "./cf-api/server.js";
import { CLI_DIR, offlineInstall } from "./cli.js";

/**
 * Bounds of one CLI run against the double and of a test doing one: a full
 * setup starts about twelve wrangler processes, an install and a bundle,
 * which took up to ~100 s on a shared, loaded 2-core machine.
 */
export const RUN_MS = 280_000;
export const TEST_MS = 300_000;

/** The server package's own config. */
export function serverConfig(): WranglerConfig {
  return readWranglerConfig(join(CLI_DIR, "../server/wrangler.jsonc"));
}

/** Environment for a CLI run against `api` (with the offline workspace install). */
export function apiEnv(api: CloudflareApiDouble, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...offlineInstall().env,
    CLOUDFLARE_API_BASE_URL: api.url,
    CLOUDFLARE_API_TOKEN: api.token,
    CLOUDFLARE_ACCOUNT_ID: api.state.accountId,
    // wrangler's update check asks the npm registry: send it nowhere.
    npm_config_registry: "http://127.0.0.1:9/",
    ...extra,
  };
}

/** A binding as the upload metadata carries it, reduced to what the server needs. */
export type ExpectedBinding = Record<string, string>;

/** The bindings an upload of `worker` must carry, from the server's config (resource names as setup names them). */
export function expectedBindings(
  config: WranglerConfig,
  worker: string,
  ids: { kv: (title: string) => string; adminToken: string },
): ExpectedBinding[] {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "");
  const vars = { ...config.vars, DEFAULT_PROJECT_OPEN: "false" };
  const queueName = (q: string) => (q.startsWith(`${worker}-`) ? q : `${worker}-${slug(q)}`);
  return [
    ...Object.entries(vars).map(([name, text]) => ({ type: "plain_text", name, text })),
    { type: "secret_text", name: "ADMIN_TOKEN", text: ids.adminToken },
    ...(config.kv_namespaces ?? []).map((k) => ({
      type: "kv_namespace",
      name: k.binding,
      namespace_id: ids.kv(`${worker}-${slug(k.binding)}`),
    })),
    ...(config.durable_objects?.bindings ?? []).map((d) => ({
      type: "durable_object_namespace",
      name: d.name,
      class_name: d.class_name,
    })),
    ...(config.queues?.producers ?? []).map((p) => ({
      type: "queue",
      name: p.binding,
      queue_name: queueName(p.queue),
    })),
    ...(config.r2_buckets ?? []).map((b) => ({
      type: "r2_bucket",
      name: b.binding,
      bucket_name: `${worker}-${slug(b.binding)}`,
    })),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

/** Upload bindings in the same shape and order as `expectedBindings`. */
export function uploadedBindings(
  bindings: readonly { type: string; name: string; [k: string]: unknown }[],
): ExpectedBinding[] {
  return bindings
    .map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v)])))
    .sort((a, b) => a.name!.localeCompare(b.name!));
}

/** The dashboard package's directory and its own config. */
export const DASHBOARD_DIR = join(CLI_DIR, "../dashboard");
export function dashboardPackageConfig(): WranglerConfig {
  return readWranglerConfig(join(DASHBOARD_DIR, "wrangler.jsonc"));
}

/** The bindings the dashboard Worker's upload must carry: its vars (Access set), its assets, SERVER → `worker`'s AdminApi. */
export function expectedDashboardBindings(
  worker: string,
  access: { teamDomain: string; aud: string },
): ExpectedBinding[] {
  const config = dashboardPackageConfig();
  const vars = {
    ...config.vars,
    ACCESS_TEAM_DOMAIN: access.teamDomain,
    ACCESS_AUD: access.aud,
    DASHBOARD_OPEN: "false",
  };
  const assets = config.assets as { binding?: string } | undefined;
  const services = (config.services as { binding: string; entrypoint?: string }[] | undefined) ?? [];
  return [
    ...Object.entries(vars).map(([name, text]) => ({ type: "plain_text", name, text })),
    ...(assets?.binding ? [{ type: "assets", name: assets.binding }] : []),
    ...services.map((s): ExpectedBinding =>
      s.binding === "SERVER"
        ? { type: "service", name: "SERVER", service: worker, entrypoint: "AdminApi" }
        : { type: "service", name: s.binding, service: String((s as Record<string, unknown>).service) },
    ),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

/** The files of the dashboard's built assets directory, by "/path" (as the assets manifest names them). */
export function builtAssets(): Map<string, Buffer> {
  const root = join(DASHBOARD_DIR, "dist");
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else out.set(`/${p}`, readFileSync(join(root, p)));
    }
  };
  walk("");
  return out;
}
