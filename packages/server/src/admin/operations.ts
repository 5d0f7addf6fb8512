/**
 * The admin read operations, shared by the HTTP routes (edge/admin-read-routes.ts,
 * which authorize first) and the AdminApi RPC entrypoint (admin-api.ts, reached
 * only through a service binding). Inputs are validated here; expected failures
 * are returned as `Failure`, never thrown.
 */
import type { Inspection } from "../catalog/inspect.js";
import type { CatalogEntry, CatalogPage } from "../catalog/entry.js";
import { catalogEntry, catalogTotals, listCatalog } from "../catalog/list.js";
import { parseListParams, type ListOptions } from "../catalog/list-params.js";
import { readCatalogConfig } from "../catalog/config.js";
import type { Env } from "../env.js";
import { sessionKey } from "../estuary/ids.js";
import type { SessionView } from "../estuary/session-view.js";
import { flushNow } from "../metrics/recorder.js";
import { PROJECT_NAME_RE } from "../projects/config.js";
import { failure, type Failure } from "../protocol/errors.js";
import { isFailure } from "../protocol/parse.js";
import { parseMetricsQuery, type MetricsOptions } from "./metrics-params.js";

const MAX_SESSION_SUBSCRIPTIONS = 100;

/** RPC callers are trusted but their arguments are not: a bad name is a 400, not a stray object. */
function badName(project: string, name?: string): Failure | null {
  if (typeof project !== "string" || !PROJECT_NAME_RE.test(project)) {
    return failure(400, "invalid_path", "Project names are 1-63 characters of a-z, 0-9, '-' and '_'");
  }
  if (name !== undefined && (typeof name !== "string" || name.length === 0 || name.length > 1024)) {
    return failure(400, "invalid_path", "Stream names are 1-1024 characters");
  }
  return null;
}

/** A page of a project's streams. */
export async function listStreams(env: Env, project: string, o: ListOptions): Promise<CatalogPage | Failure> {
  const bad = badName(project);
  if (bad) return bad;
  const p = parseListParams(o ?? {});
  return isFailure(p) ? p : listCatalog(env, project, p);
}

/** One stream's inspection and its catalog entry (with the lag bounds in docs/admin.md). */
export async function inspectStream(
  env: Env,
  project: string,
  name: string,
): Promise<{ stream: Inspection; catalog: CatalogEntry | null } | Failure> {
  const bad = badName(project, name);
  if (bad) return bad;
  const stub = env.STREAMS.get(env.STREAMS.idFromName(`${project}/${name}`));
  const [stream, catalog] = await Promise.all([stub.inspect(), catalogEntry(env, project, name)]);
  if (!stream) return failure(404, "not_found", `Stream "${name}" does not exist in project "${project}"`);
  return { stream, catalog };
}

/** Points of a project's or a stream's per-minute metrics. */
export async function queryMetrics(
  env: Env,
  project: string,
  o: MetricsOptions,
): Promise<
  { project: string; stream: string | null; resolution: number; points: Record<string, number | null>[] } | Failure
> {
  const bad = badName(project);
  if (bad) return bad;
  const q = parseMetricsQuery(o ?? {}, Date.now());
  if (isFailure(q)) return q;
  if (!env.METRICS)
    return failure(503, "unavailable", "The METRICS Durable Object binding is missing (wrangler.jsonc)");
  // This isolate's own counts first, so a caller sees what it just did.
  await flushNow(env);
  const r = await env.METRICS.get(env.METRICS.idFromName(project)).query(q);
  return { project, stream: q.stream, resolution: q.resolutionMin * 60, points: r.points };
}

/** A project's totals: streams, bytes, messages (from the catalog), and the catalog's shape. */
export async function projectSummary(
  env: Env,
  project: string,
): Promise<{ project: string; streams: number; bytes: number; messages: number; shards: number } | Failure> {
  const bad = badName(project);
  if (bad) return bad;
  return { project, ...(await catalogTotals(env, project)), shards: readCatalogConfig(env).shards };
}

/** A page of a project's estuary sessions (their session streams, from the catalog). */
export function listSessions(env: Env, project: string, o: ListOptions): Promise<CatalogPage | Failure> {
  return listStreams(env, project, { ...o, kind: "session" });
}

/** One subscription of a session as the source sees it: lag in outbox rows, and parked state (null: not parked). */
export interface SessionSubscription {
  stream: string;
  lag: number | null;
  parked: Inspection["estuary"]["subscribers"][number]["parked"];
}

/** One session: its subscriptions, each with the session's lag behind that source. */
export async function inspectSession(
  env: Env,
  project: string,
  estuaryId: string,
): Promise<{ session: SessionView; subscriptions: SessionSubscription[] } | Failure> {
  const bad = badName(project, estuaryId);
  if (bad) return bad;
  const key = sessionKey(project, estuaryId);
  const r = await env.ESTUARY.get(env.ESTUARY.idFromName(key)).get({ sub: "", manage: true });
  if (!r.ok) return r;
  const subs = r.session.subscriptions.slice(0, MAX_SESSION_SUBSCRIPTIONS);
  const lags = await Promise.all(
    subs.map(async (s) => {
      const i = await env.STREAMS.get(env.STREAMS.idFromName(`${project}/${s.stream}`)).inspect();
      const mine = i?.estuary.subscribers.find((x) => x.session === key || x.session === estuaryId);
      return { stream: s.stream, lag: mine ? mine.lag : null, parked: mine ? mine.parked : null };
    }),
  );
  return { session: r.session, subscriptions: lags };
}
