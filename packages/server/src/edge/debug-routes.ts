/**
 * Test-only routes under `/v1/_debug`, answered only when DEBUG_ENDPOINTS is
 * "true" (never in a deployment): raw storage facts of a stream, a forced
 * segment seal that can crash the object after a chosen step, failing R2
 * purges and fork releases, the R2 objects stored for a stream (to prove
 * there are no orphans), and an estuary session's state.
 */
import { Hono, type Context } from "hono";
import type { Env } from "../env.js";
import { failure } from "../protocol/errors.js";
import { streamPrefix } from "../cold/segment-format.js";
import { isolateId } from "../isolate-id.js";
import { authorize } from "./auth-middleware.js";
import { STREAM_PREFIX, parseStreamPath, type StreamPath } from "./paths.js";
import { errorResponse } from "./respond.js";
import { check } from "./stream-routes.js";

type Ctx = Context<{ Bindings: Env }>;

async function streamOf(c: Ctx, route: string): Promise<StreamPath> {
  const path = check(parseStreamPath(new URL(c.req.url).pathname.replace(`/v1/_debug/${route}/`, STREAM_PREFIX)));
  await authorize(c, path.project, "read", path.name);
  return path;
}

const stubOf = (c: Ctx, key: string) => c.env.STREAMS.get(c.env.STREAMS.idFromName(key));

/** The debug routes (404 unless DEBUG_ENDPOINTS is "true"). */
export function debugRoutes(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  app.use("*", async (c, next) => {
    if (c.env.DEBUG_ENDPOINTS !== "true") return errorResponse(failure(404, "not_found", "No such route"));
    await next();
  });

  // An estuary session's own state (EstuaryDO).
  app.get("/estuary/:project/:estuaryId", async (c) => {
    const { project, estuaryId } = c.req.param();
    await authorize(c, project, "read", estuaryId);
    return c.json(await c.env.ESTUARY.get(c.env.ESTUARY.idFromName(`${project}/${estuaryId}`)).storageStats());
  });

  // This edge isolate's id and the stream object's (split-isolates tests: they must differ).
  app.get("/isolate/*", async (c) => {
    const path = await streamOf(c, "isolate");
    return c.json({ edge: isolateId(), object: (await stubOf(c, path.key).storageStats()).isolate });
  });

  app.get("/storage/*", async (c) => {
    const path = await streamOf(c, "storage");
    return c.json(await stubOf(c, path.key).storageStats());
  });

  // ?crash=<step>: the object aborts right after that step of the seal (do/rotation.ts);
  // ?force=0: only finish a pending seal.
  app.post("/rotate/*", async (c) => {
    const path = await streamOf(c, "rotate");
    try {
      const r = await stubOf(c, path.key).debugRotate(c.req.query("crash") ?? null, c.req.query("force") !== "0");
      return c.json({ crashed: false, ...r });
    } catch (e) {
      return c.json({ crashed: true, error: String(e) });
    }
  });

  // ?before=<position>&crash=<step>: trims before the position; the object aborts right after that step (do/trim.ts).
  app.post("/trim/*", async (c) => {
    const path = await streamOf(c, "trim");
    try {
      const r = await stubOf(c, path.key).debugTrim(Number(c.req.query("before") ?? "0"), c.req.query("crash") ?? null);
      return c.json({ crashed: false, ...r });
    } catch (e) {
      return c.json({ crashed: true, error: String(e) });
    }
  });

  // ?count=n: the stream's next n segment uploads fail, as if R2 were down (count=0 ends the outage).
  app.post("/fail-seals/*", async (c) => {
    const path = await streamOf(c, "fail-seals");
    await stubOf(c, path.key).debugFailSeals(Number(c.req.query("count") ?? "1"));
    return c.json({ ok: true });
  });

  // ?count=n: the stream's next n R2 purge attempts fail (they are retried from its alarm).
  app.post("/fail-purges/*", async (c) => {
    const path = await streamOf(c, "fail-purges");
    await stubOf(c, path.key).debugFailPurges(Number(c.req.query("count") ?? "1"));
    return c.json({ ok: true });
  });

  // ?count=n: this fork's next n attempts to release its source fail (retried from its alarm).
  app.post("/fail-releases/*", async (c) => {
    const path = await streamOf(c, "fail-releases");
    await stubOf(c, path.key).debugFailReleases(Number(c.req.query("count") ?? "1"));
    return c.json({ ok: true });
  });

  // ?name=<fault>&count=n: arms a fault switch of the stream's object (do/faults.ts).
  app.post("/fault/*", async (c) => {
    const path = await streamOf(c, "fault");
    await stubOf(c, path.key).debugFault(c.req.query("name") ?? "", Number(c.req.query("count") ?? "1"));
    return c.json({ ok: true });
  });

  // The object's alarm jobs and alarm; ?job=<name>&in=<ms> first schedules `debug-<name>` (do/debug-jobs.ts).
  app.post("/alarm-jobs/*", async (c) => {
    const path = await streamOf(c, "alarm-jobs");
    const job = c.req.query("job") ?? null;
    return c.json(await stubOf(c, path.key).debugAlarmJobs(job, Number(c.req.query("in") ?? "0")));
  });

  // Estuary fault switches of one stream (estuary/faults.ts), as a JSON body: lost replies, hung or refused appends.
  app.post("/estuary-faults/*", async (c) => {
    const path = await streamOf(c, "estuary-faults");
    await stubOf(c, path.key).debugEstuaryFaults((await c.req.json()) as Record<string, number>);
    return c.json({ ok: true });
  });

  app.get("/segments/*", async (c) => {
    const path = await streamOf(c, "segments");
    const bucket = c.env.SEGMENTS;
    if (!bucket) return c.json({ keys: [] });
    const prefix = streamPrefix(c.env.STREAMS.idFromName(path.key).toString());
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor, limit: 1000 });
      keys.push(...page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return c.json({ keys });
  });
  return app;
}
