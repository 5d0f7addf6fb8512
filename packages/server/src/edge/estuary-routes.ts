/**
 * The estuary routes (docs/estuary.md). Every route authorizes on the
 * session's stream name (so `streams` path patterns apply to sessions too);
 * subscribing also needs read on the source. Ownership (a subject touches
 * only its own sessions unless it has manage scope) is checked by the
 * session's EstuaryDO.
 */
import { Hono, type Context } from "hono";
import type { Principal } from "../auth/principal.js";
import type { Env } from "../env.js";
import { readEstuaryConfig } from "../estuary/config.js";
import type { Caller } from "../estuary/estuary-do.js";
import { estuaryIdProblem, sessionKey } from "../estuary/ids.js";
import { parseObject, parseSubscribeBody, parseTtl } from "../estuary/input.js";
import { PROJECT_NAME_RE } from "../projects/config.js";
import { HttpError, failure } from "../protocol/errors.js";
import { isFailure } from "../protocol/parse.js";
import { authorize } from "./auth-middleware.js";
import { STREAM_PREFIX, parseStreamPath } from "./paths.js";
import { check, must } from "./stream-routes.js";

type Ctx = Context<{ Bindings: Env }>;
const NO_STORE = { "cache-control": "no-store" };

function callerOf(p: Principal, manage: boolean): Caller {
  if (p.kind === "root") return { sub: "root", manage: true };
  if (p.kind === "token") return { sub: p.grant.sub, manage };
  return { sub: "anonymous", manage };
}

function sessionStub(c: Ctx, project: string, estuaryId: string) {
  return c.env.ESTUARY.get(c.env.ESTUARY.idFromName(sessionKey(project, estuaryId)));
}

async function bodyObject(c: Ctx, allowEmpty: boolean): Promise<Record<string, unknown>> {
  return check(parseObject(await c.req.text(), allowEmpty));
}

/** The source path of a subscribe route: what follows `/v1/estuary/subscribe/`. */
function sourceOf(c: Ctx) {
  const rest = new URL(c.req.url).pathname.slice("/v1/estuary/subscribe/".length);
  return check(parseStreamPath(`${STREAM_PREFIX}${rest}`));
}

/** Authorizes `need` on the session's stream and returns the caller. */
async function sessionCaller(c: Ctx, project: string, estuaryId: string, need: "read" | "write"): Promise<Caller> {
  const { principal, project: config } = await authorize(c, project, need, estuaryId);
  const manage = await authorize(c, config.name, "manage", estuaryId).then(
    () => true,
    () => false,
  );
  return callerOf(principal, manage);
}

function sessionPath(c: Ctx): { project: string; estuaryId: string } {
  const project = c.req.param("project") ?? "";
  const estuaryId = c.req.param("estuaryId") ?? "";
  if (!PROJECT_NAME_RE.test(project)) throw new HttpError(failure(400, "invalid_path", "Invalid project name"));
  const problem = estuaryIdProblem(estuaryId);
  if (problem) throw new HttpError(failure(400, "invalid_path", problem));
  return { project, estuaryId };
}

/** The `/v1/estuary` routes. */
export function estuaryRoutes(): Hono<{ Bindings: Env }> {
  const r = new Hono<{ Bindings: Env }>();

  r.post("/subscribe/*", async (c) => {
    const source = sourceOf(c);
    const maxTtl = readEstuaryConfig(c.env).maxTtlSeconds;
    // Authentication runs before the body is parsed, so bad credentials never learn about input rules.
    await authorize(c, source.project, "read", source.name);
    const body = check(parseSubscribeBody(await bodyObject(c, false), maxTtl));
    const caller = await sessionCaller(c, source.project, body.estuaryId, "write");
    if (source.name === body.estuaryId) {
      throw new HttpError(failure(400, "bad_request", "A session cannot subscribe to its own stream"));
    }
    const r = must(
      await sessionStub(c, source.project, body.estuaryId).subscribe({
        project: source.project,
        estuaryId: body.estuaryId,
        source: source.name,
        caller,
        ttlSeconds: body.ttlSeconds,
      }),
    );
    return c.json({ session: r.session, subscribed: r.subscribed }, r.subscribed ? 201 : 200, NO_STORE);
  });

  r.delete("/subscribe/*", async (c) => {
    const source = sourceOf(c);
    // Unsubscribing changes only the session: it needs write on the session, not access to the source.
    const body = check(parseSubscribeBody(await bodyObject(c, false), readEstuaryConfig(c.env).maxTtlSeconds));
    const caller = await sessionCaller(c, source.project, body.estuaryId, "write");
    const r = must(await sessionStub(c, source.project, body.estuaryId).unsubscribe(source.name, caller));
    return c.json({ session: r.session }, 200, NO_STORE);
  });

  r.get("/:project/:estuaryId", async (c) => {
    const { project, estuaryId } = sessionPath(c);
    const caller = await sessionCaller(c, project, estuaryId, "read");
    const r = must(await sessionStub(c, project, estuaryId).get(caller));
    return c.json({ session: r.session }, 200, NO_STORE);
  });

  r.post("/:project/:estuaryId/refresh", async (c) => {
    const { project, estuaryId } = sessionPath(c);
    const caller = await sessionCaller(c, project, estuaryId, "write");
    const ttl = parseTtl(await bodyObject(c, true), readEstuaryConfig(c.env).maxTtlSeconds);
    if (ttl !== null && isFailure(ttl)) throw new HttpError(ttl);
    const r = must(await sessionStub(c, project, estuaryId).refresh(caller, ttl));
    return c.json({ session: r.session }, 200, NO_STORE);
  });

  r.delete("/:project/:estuaryId", async (c) => {
    const { project, estuaryId } = sessionPath(c);
    const caller = await sessionCaller(c, project, estuaryId, "write");
    must(await sessionStub(c, project, estuaryId).remove(caller));
    return new Response(null, { status: 204 });
  });

  return r;
}
