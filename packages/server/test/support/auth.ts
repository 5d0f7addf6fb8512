/** Helpers for the auth tests: admin calls, projects and tokens. */
import { inject } from "vitest";
import { mintToken, type MintKey } from "../../src/auth/mint.js";
import type { Scope } from "../../src/auth/claims.js";

let counter = 0;

/** A project name unique to this test run. */
export function projectName(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** Calls an admin route with the root ADMIN_TOKEN (or `token`). */
export async function admin(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${init.token ?? inject("adminToken")}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return fetch(`${inject("baseUrl")}/v1/projects${path}`, { ...init, headers });
}

/** A created project: its name and first HS256 key. */
export interface TestProject {
  readonly name: string;
  readonly kid: string;
  readonly secret: string;
}

/** Creates a project through the admin API. */
export async function createProject(prefix: string, settings: Record<string, unknown> = {}): Promise<TestProject> {
  const name = projectName(prefix);
  const res = await admin("", { method: "POST", body: JSON.stringify({ name, ...settings }) });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { key: { kid: string; secret: string } };
  return { name, kid: body.key.kid, secret: body.key.secret };
}

/** Mints a token for a test project with its HS256 key (overridable). */
export async function tokenFor(
  p: TestProject,
  scope: Scope,
  opts: {
    streams?: string[];
    ttlSeconds?: number;
    now?: Date;
    kid?: string;
    key?: MintKey;
    project?: string;
    sub?: string;
  } = {},
): Promise<string> {
  return mintToken({
    project: opts.project ?? p.name,
    kid: opts.kid ?? p.kid,
    key: opts.key ?? { alg: "HS256", secret: p.secret },
    sub: opts.sub ?? "test-user",
    scope,
    ttlSeconds: opts.ttlSeconds ?? 600,
    ...(opts.streams ? { streams: opts.streams } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
}

/** The URL of a stream of a project. */
export function projectStreamUrl(project: string, name: string): string {
  return `${inject("baseUrl")}/v1/stream/${project}/${name}`;
}

/** Authorization header for a token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** An unsigned `alg: none` JWT with otherwise valid claims. */
export function unsignedToken(project: string, kid: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: "none", kid, typ: "JWT" })}.${enc({ sub: "x", scope: "manage", aud: `ds:${project}`, iat: now, exp: now + 600 })}.`;
}
