/**
 * The admin read API under `/v1/projects/:name/...` (docs/admin.md): stream
 * listing, stream inspection, metrics, the project summary and estuary
 * sessions. Root ADMIN_TOKEN or a manage token of the project; JSON, never
 * cached. The same operations are RPC methods of AdminApi (admin/admin-api.ts).
 */
import { Hono, type Context } from "hono";
import type { Env } from "../env.js";
import { failure, HttpError, type Failure } from "../protocol/errors.js";
import { isFailure } from "../protocol/parse.js";
import {
  inspectSession,
  inspectStream,
  listSessions,
  listStreams,
  projectSummary,
  queryMetrics,
} from "../admin/operations.js";
import { subscriptionLag } from "../admin/subscriptions.js";
import { requireProjectRead } from "./admin-auth.js";
import { STREAM_PREFIX, parseStreamPath } from "./paths.js";

type Ctx = Context<{ Bindings: Env }>;
const NO_STORE = { "cache-control": "no-store" };

/** Authorizes and returns the project named by the route (a valid project name). */
async function projectOf(c: Ctx): Promise<string> {
  const name = c.req.param("name") ?? "";
  const p = parseStreamPath(`${STREAM_PREFIX}${encodeURIComponent(name)}/x`);
  if (isFailure(p) || p.project !== name) {
    throw new HttpError(failure(400, "invalid_path", "Project names are 1-63 characters of a-z, 0-9, '-' and '_'"));
  }
  await requireProjectRead(c, name);
  return name;
}

function answer<T extends object>(c: Ctx, r: T | Failure): Response {
  if (isFailure(r)) throw new HttpError(r);
  return c.json(r, 200, NO_STORE);
}

/** The admin read routes, mounted at `/v1/projects`. */
export function adminReadRoutes(): Hono<{ Bindings: Env }> {
  const r = new Hono<{ Bindings: Env }>();

  r.get("/:name/streams", async (c) => answer(c, await listStreams(c.env, await projectOf(c), c.req.query())));

  r.get("/:name/streams/*", async (c) => {
    const project = await projectOf(c);
    const rest = new URL(c.req.url).pathname.split("/").slice(5).join("/");
    const path = parseStreamPath(`${STREAM_PREFIX}${encodeURIComponent(project)}/${rest}`);
    if (isFailure(path)) throw new HttpError(path);
    return answer(c, await inspectStream(c.env, project, path.name));
  });

  r.get("/:name/summary", async (c) => answer(c, await projectSummary(c.env, await projectOf(c))));

  r.get("/:name/metrics", async (c) => answer(c, await queryMetrics(c.env, await projectOf(c), c.req.query())));

  r.get("/:name/sessions", async (c) => answer(c, await listSessions(c.env, await projectOf(c), c.req.query())));

  r.get("/:name/subscriptions", async (c) => answer(c, await subscriptionLag(c.env, await projectOf(c))));

  r.get("/:name/sessions/:id", async (c) =>
    answer(c, await inspectSession(c.env, await projectOf(c), c.req.param("id"))),
  );

  return r;
}
