/**
 * Project administration under `/v1/projects` (docs/auth.md): create and
 * list (root ADMIN_TOKEN), read and update settings, add and remove keys,
 * mint tokens (root or a manage token of the project). Secrets appear only in
 * the response that creates them.
 */
import { Hono, type Context } from "hono";
import { mintToken } from "../auth/mint.js";
import type { Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import { parseCreate, parseMintRequest, parseNewKey, parsePatch } from "../projects/admin-input.js";
import { publicView, type ProjectConfig } from "../projects/config.js";
import { listProjects, loadStoredProject, saveProject } from "../projects/store.js";
import { requireManage, requireRoot } from "./admin-auth.js";

type Ctx = Context<{ Bindings: Env }>;
const NO_STORE = { "cache-control": "no-store" };

async function bodyOf(c: Ctx): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new HttpError(failure(400, "invalid_json", "Body must be JSON"));
  }
}

function valid<T>(v: T | string): T {
  if (typeof v === "string") throw new HttpError(failure(400, "bad_request", v));
  return v;
}

const now = () => new Date().toISOString();
const view = (c: Ctx, p: ProjectConfig, status: 200 | 201 = 200, extra: object = {}) =>
  c.json({ project: publicView(p), ...extra }, status, NO_STORE);

/** The `/v1/projects` routes. */
export function adminRoutes(): Hono<{ Bindings: Env }> {
  const r = new Hono<{ Bindings: Env }>();

  r.get("/", async (c) => {
    await requireRoot(c);
    return c.json({ projects: await listProjects(c.env) }, 200, NO_STORE);
  });

  r.post("/", async (c) => {
    await requireRoot(c);
    const created = valid(parseCreate(await bodyOf(c), now()));
    if (await loadStoredProject(c.env, created.config.name)) {
      throw new HttpError(failure(409, "conflict", `Project "${created.config.name}" already exists`));
    }
    await saveProject(c.env, created.config);
    return view(c, created.config, 201, { key: created.key });
  });

  r.get("/:name", async (c) => view(c, (await requireManage(c, c.req.param("name"))).project));

  r.patch("/:name", async (c) => {
    const { project } = await requireManage(c, c.req.param("name"));
    const next = valid(parsePatch(project, await bodyOf(c), now()));
    await saveProject(c.env, next);
    return view(c, next);
  });

  r.post("/:name/keys", async (c) => {
    const { project } = await requireManage(c, c.req.param("name"));
    const { config, key } = valid(parseNewKey(project, await bodyOf(c), now()));
    await saveProject(c.env, config);
    return view(c, config, 201, { key });
  });

  r.delete("/:name/keys/:kid", async (c) => {
    const { project } = await requireManage(c, c.req.param("name"));
    const kid = c.req.param("kid");
    if (!project.keys.some((k) => k.kid === kid)) throw new HttpError(failure(404, "not_found", `No key "${kid}"`));
    if (project.keys.length === 1) {
      throw new HttpError(failure(409, "conflict", "Cannot remove the project's last key; add its replacement first"));
    }
    const next = { ...project, keys: project.keys.filter((k) => k.kid !== kid), updatedAt: now() };
    await saveProject(c.env, next);
    return view(c, next);
  });

  r.post("/:name/tokens", async (c) => {
    const { project } = await requireManage(c, c.req.param("name"));
    const req = valid(parseMintRequest(await bodyOf(c)));
    const hmac = project.keys.filter((k) => k.alg === "HS256");
    const key = req.kid === undefined ? hmac[hmac.length - 1] : hmac.find((k) => k.kid === req.kid);
    if (!key || key.alg !== "HS256") {
      throw new HttpError(
        failure(409, "conflict", "No such HS256 key to sign with; tokens for public keys are minted by your backend"),
      );
    }
    const token = await mintToken({ project: project.name, kid: key.kid, key, ...req });
    const expiresAt = new Date(Date.now() + req.ttlSeconds * 1000).toISOString();
    return c.json({ token, kid: key.kid, expiresAt }, 201, NO_STORE);
  });

  return r;
}
