/**
 * The security matrix against the local Worker: every route × every bad or
 * insufficient credential gets the right status with a JSON error, and
 * changes nothing (streams and project config are compared before/after).
 */
import { request } from "node:http";
import { beforeAll, describe, expect, inject, test } from "vitest";
import {
  admin,
  bearer,
  createProject,
  projectName,
  tokenFor,
  unsignedToken,
  type TestProject,
} from "./support/auth.js";

type Route = {
  name: string;
  method: string;
  path: (p: string) => string;
  headers?: (p: string) => Record<string, string>;
  body?: string;
  /** write: needs write; read: needs read; manage: admin route; root: needs the ADMIN_TOKEN. */
  needs: "read" | "write" | "manage" | "root";
};

let n = 0;
const text = { "content-type": "text/plain" };
const json = { "content-type": "application/json" };
const ESTUARY_ROUTES = () => ROUTES.filter((r) => r.name.startsWith("estuary"));
const ROUTES: Route[] = [
  {
    name: "create",
    method: "PUT",
    path: (p) => `/v1/stream/${p}/s/new-${++n}`,
    headers: () => text,
    body: "x",
    needs: "write",
  },
  {
    name: "append",
    method: "POST",
    path: (p) => `/v1/stream/${p}/s/base`,
    headers: () => text,
    body: "y",
    needs: "write",
  },
  {
    name: "close",
    method: "POST",
    path: (p) => `/v1/stream/${p}/s/base`,
    headers: () => ({ "stream-closed": "true" }),
    needs: "write",
  },
  { name: "delete", method: "DELETE", path: (p) => `/v1/stream/${p}/s/base`, needs: "write" },
  {
    name: "fork",
    method: "PUT",
    path: (p) => `/v1/stream/${p}/s/fork-${++n}`,
    headers: (p) => ({ ...text, "stream-forked-from": `/v1/stream/${p}/s/base` }),
    needs: "write",
  },
  { name: "catch-up", method: "GET", path: (p) => `/v1/stream/${p}/s/base?offset=-1`, needs: "read" },
  { name: "long-poll", method: "GET", path: (p) => `/v1/stream/${p}/s/base?offset=-1&live=long-poll`, needs: "read" },
  { name: "sse", method: "GET", path: (p) => `/v1/stream/${p}/s/base?offset=-1&live=sse`, needs: "read" },
  { name: "head", method: "HEAD", path: (p) => `/v1/stream/${p}/s/base`, needs: "read" },
  {
    name: "retention",
    method: "PATCH",
    path: (p) => `/v1/stream/${p}/s/base`,
    headers: () => ({ "stream-retention-messages": "1000" }),
    needs: "write",
  },
  {
    name: "subscription",
    method: "PUT",
    path: (p) => `/v1/stream/${p}/__ds/subscriptions/sub-1`,
    body: "{}",
    needs: "write",
  },
  { name: "subscription get", method: "GET", path: (p) => `/v1/stream/${p}/__ds/subscriptions/sub-1`, needs: "read" },
  {
    name: "subscription delete",
    method: "DELETE",
    path: (p) => `/v1/stream/${p}/__ds/subscriptions/sub-1`,
    needs: "write",
  },
  {
    name: "subscription add streams",
    method: "POST",
    path: (p) => `/v1/stream/${p}/__ds/subscriptions/sub-1/streams`,
    headers: () => json,
    body: '{"streams":["s/base"]}',
    needs: "write",
  },
  {
    name: "subscription remove stream",
    method: "DELETE",
    path: (p) => `/v1/stream/${p}/__ds/subscriptions/sub-1/streams/s%2Fbase`,
    needs: "write",
  },
  {
    name: "subscription claim",
    method: "POST",
    path: (p) => `/v1/stream/${p}/__ds/subscriptions/sub-1/claim`,
    headers: () => json,
    body: '{"worker":"w"}',
    needs: "write",
  },
  {
    name: "subscription key rotation",
    method: "POST",
    path: (p) => `/v1/stream/${p}/__ds/keys/rotate`,
    needs: "manage",
  },
  {
    name: "estuary subscribe",
    method: "POST",
    path: (p) => `/v1/estuary/subscribe/${p}/s/base`,
    headers: () => json,
    body: '{"estuaryId":"sess-1"}',
    needs: "write",
  },
  {
    name: "estuary unsubscribe",
    method: "DELETE",
    path: (p) => `/v1/estuary/subscribe/${p}/s/base`,
    headers: () => json,
    body: '{"estuaryId":"sess-1"}',
    needs: "write",
  },
  { name: "estuary get", method: "GET", path: (p) => `/v1/estuary/${p}/sess-1`, needs: "read" },
  {
    name: "estuary refresh",
    method: "POST",
    path: (p) => `/v1/estuary/${p}/sess-1/refresh`,
    headers: () => json,
    body: '{"ttlSeconds":600}',
    needs: "write",
  },
  { name: "estuary delete", method: "DELETE", path: (p) => `/v1/estuary/${p}/sess-1`, needs: "write" },
  { name: "admin read", method: "GET", path: (p) => `/v1/projects/${p}`, needs: "manage" },
  {
    name: "admin update",
    method: "PATCH",
    path: (p) => `/v1/projects/${p}`,
    body: '{"anonymous":"write"}',
    needs: "manage",
  },
  { name: "admin add key", method: "POST", path: (p) => `/v1/projects/${p}/keys`, body: "{}", needs: "manage" },
  { name: "admin remove key", method: "DELETE", path: (p) => `/v1/projects/${p}/keys/k-other`, needs: "manage" },
  {
    name: "admin mint",
    method: "POST",
    path: (p) => `/v1/projects/${p}/tokens`,
    body: '{"sub":"x","scope":"manage"}',
    needs: "manage",
  },
  {
    name: "admin create",
    method: "POST",
    path: () => "/v1/projects",
    body: `{"name":"${projectName("never")}"}`,
    needs: "root",
  },
  { name: "admin list", method: "GET", path: () => "/v1/projects", needs: "root" },
  // The admin read API (docs/admin.md): catalog, inspection, summary, metrics, sessions.
  ...["streams", "streams/s/base", "summary", "metrics", "sessions", "sessions/sess-1"].map((route): Route => ({
    name: `admin ${route}`,
    method: "GET",
    path: (p) => `/v1/projects/${p}/${route}`,
    needs: "manage",
  })),
];

async function call(route: Route, project: string, auth: Record<string, string>, query = ""): Promise<Response> {
  const path = route.path(project);
  const sep = path.includes("?") ? "&" : "?";
  const res = await fetch(`${inject("baseUrl")}${path}${query ? sep + query : ""}`, {
    method: route.method,
    headers: { ...route.headers?.(project), ...auth },
    ...(route.body !== undefined ? { body: route.body } : {}),
  });
  return res;
}

async function expectError(res: Response, status: number, what: string): Promise<void> {
  expect(res.status, what).toBe(status);
  const text = await res.text();
  if (text === "") return; // HEAD
  expect(res.headers.get("content-type"), what).toBe("application/json");
  const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
  expect(body.error?.code, what).toBe(status === 401 ? "unauthorized" : "forbidden");
  expect(typeof body.error?.message, what).toBe("string");
}

describe("auth security matrix", () => {
  let p: TestProject;
  let other: TestProject;
  let full: string;

  /** Everything a rejected request could have changed. */
  async function state(): Promise<string> {
    const base = `${inject("baseUrl")}/v1/stream/${p.name}/s/base`;
    const read = await fetch(`${base}?offset=-1`, { headers: bearer(full) });
    const cfg = await admin(`/${p.name}`);
    const list = await admin("");
    const session = await fetch(`${inject("baseUrl")}/v1/estuary/${p.name}/sess-1`, { headers: bearer(full) });
    const source = await fetch(`${inject("baseUrl")}/v1/_debug/storage/${p.name}/s/base`, { headers: bearer(full) });
    const subscription = await fetch(`${inject("baseUrl")}/v1/stream/${p.name}/__ds/subscriptions/sub-1`, {
      headers: bearer(full),
    });
    const keys = await fetch(`${inject("baseUrl")}/v1/stream/${p.name}/__ds/jwks.json`);
    const sessionStream = await fetch(`${inject("baseUrl")}/v1/stream/${p.name}/sess-1?offset=-1`, {
      headers: bearer(full),
    });
    return JSON.stringify({
      session: await session.text(),
      subscription: [subscription.status, await subscription.text()],
      keys: await keys.text(),
      subscribers: ((await source.json()) as { estuary: unknown }).estuary,
      sessionStream: [sessionStream.status, await sessionStream.text()],
      status: read.status,
      body: await read.text(),
      closed: read.headers.get("stream-closed"),
      config: await cfg.json(),
      projects: await list.json(),
    });
  }

  beforeAll(async () => {
    p = await createProject("sec");
    other = await createProject("sec-other");
    full = await tokenFor(p, "manage");
    const add = await admin(`/${p.name}/keys`, { method: "POST", body: '{"kid":"k-other"}' });
    expect(add.status).toBe(201);
    const res = await fetch(`${inject("baseUrl")}/v1/stream/${p.name}/s/base`, {
      method: "PUT",
      headers: { ...text, ...bearer(full) },
      body: "base\n",
    });
    expect(res.status).toBe(201);
    const sub = await fetch(`${inject("baseUrl")}/v1/estuary/subscribe/${p.name}/s/base`, {
      method: "POST",
      headers: { ...json, ...bearer(full) },
      body: '{"estuaryId":"sess-1"}',
    });
    expect(sub.status).toBe(201);
  });

  test("bad credentials get 401 on every route and change nothing", async () => {
    const before = await state();
    const past = new Date(Date.now() - 10 * 60_000);
    const creds: Record<string, Record<string, string>> = {
      "no token": {},
      "bad signature": bearer(await tokenFor(p, "manage", { key: { alg: "HS256", secret: "A".repeat(43) } })),
      "alg none": bearer(unsignedToken(p.name, p.kid)),
      expired: bearer(await tokenFor(p, "manage", { now: past, ttlSeconds: 60 })),
      "wrong kid": bearer(await tokenFor(p, "manage", { kid: "no-such-kid" })),
      "other project's audience": bearer(await tokenFor(p, "manage", { project: other.name })),
      "not a JWT": bearer("not-a-token"),
      "basic auth": { authorization: "Basic dXNlcjpwYXNz" },
    };
    for (const route of ROUTES) {
      for (const [what, auth] of Object.entries(creds)) {
        await expectError(await call(route, p.name, auth), 401, `${route.name} with ${what}`);
      }
      // Another project's valid token: 401 on the project's routes; root routes see a real token without root.
      const foreign = await call(route, p.name, bearer(await tokenFor(other, "manage")));
      await expectError(foreign, route.needs === "root" ? 403 : 401, `${route.name} with a token of another project`);
    }
    expect(await state()).toBe(before);
  });

  test("query tokens: accepted for reads only, never for writes", async () => {
    const before = await state();
    const manage = await tokenFor(p, "manage");
    for (const route of ROUTES.filter((r) => r.needs === "write")) {
      await expectError(await call(route, p.name, {}, `token=${manage}`), 401, `${route.name} with ?token`);
    }
    // Only read scope is accepted in the query, even for a read (docs/auth.md).
    const streamRead = (token: string) =>
      fetch(`${inject("baseUrl")}/v1/stream/${p.name}/s/base?offset=-1&token=${token}`);
    await expectError(await streamRead(manage), 401, "manage token in ?token on a read");
    const good = await tokenFor(p, "read");
    expect((await streamRead(good)).status).toBe(200);
    const session = await fetch(`${inject("baseUrl")}/v1/estuary/${p.name}/sess-1?token=${good}`);
    expect(session.status).toBe(200);
    await expectError(
      await call(
        ROUTES.find((r) => r.name === "admin read")!,
        p.name,
        {},
        `token=${good}`,
      ),
      401,
      "admin ?token",
    );
    expect(await state()).toBe(before);
  });

  test("insufficient scope or paths get 403 and change nothing", async () => {
    const before = await state();
    const readToken = bearer(await tokenFor(p, "read"));
    const writeToken = bearer(await tokenFor(p, "write"));
    const elsewhere = bearer(await tokenFor(p, "manage", { streams: ["elsewhere/**", "s/other-*"] }));
    const forkOnly = bearer(await tokenFor(p, "write", { streams: ["s/fork-*"] }));
    for (const route of ROUTES) {
      if (route.needs !== "read")
        await expectError(await call(route, p.name, readToken), 403, `${route.name} with read`);
      if (route.needs === "manage" || route.needs === "root") {
        await expectError(await call(route, p.name, writeToken), 403, `${route.name} with write`);
      }
      await expectError(await call(route, p.name, elsewhere), 403, `${route.name} outside the token's paths`);
    }
    // A fork needs read on its source too: the token reaches the fork's name but not the source.
    const fork = ROUTES.find((r) => r.name === "fork")!;
    await expectError(await call(fork, p.name, forkOnly), 403, "fork with an unreadable source");
    expect(await state()).toBe(before);
  });

  test("another subject's session: 403 for every estuary route without manage scope, nothing changed", async () => {
    const before = await state();
    const bob = bearer(await tokenFor(p, "write", { sub: "bob" }));
    const bobRead = bearer(await tokenFor(p, "read", { sub: "bob" }));
    for (const route of ESTUARY_ROUTES()) {
      await expectError(await call(route, p.name, bob), 403, `${route.name} by another subject`);
      if (route.needs === "read") await expectError(await call(route, p.name, bobRead), 403, `${route.name} (read)`);
    }
    // The owner with a read token may read, not change.
    const ownerRead = bearer(await tokenFor(p, "read"));
    expect(
      (
        await call(
          ESTUARY_ROUTES().find((r) => r.needs === "read")!,
          p.name,
          ownerRead,
        )
      ).status,
    ).toBe(200);
    // A manage token of any subject reaches it.
    const boss = bearer(await tokenFor(p, "manage", { sub: "boss" }));
    expect(
      (
        await call(
          ESTUARY_ROUTES().find((r) => r.needs === "read")!,
          p.name,
          boss,
        )
      ).status,
    ).toBe(200);
    // Bob's own session is his to use; another subject's token cannot take it over.
    const own = await fetch(`${inject("baseUrl")}/v1/estuary/subscribe/${p.name}/s/base`, {
      method: "POST",
      headers: { ...json, ...bob },
      body: '{"estuaryId":"bob-1"}',
    });
    expect(own.status).toBe(201);
    expect(((await own.json()) as { session: { owner: string } }).session.owner).toBe("bob");
    const steal = await fetch(`${inject("baseUrl")}/v1/estuary/${p.name}/bob-1`, {
      method: "DELETE",
      headers: bearer(await tokenFor(p, "write", { sub: "mallory" })),
    });
    await expectError(steal, 403, "another subject deleting");
    expect(
      (await fetch(`${inject("baseUrl")}/v1/estuary/${p.name}/bob-1`, { method: "DELETE", headers: bob })).status,
    ).toBe(204);
    expect(await state()).toBe(before);
  });

  test("a default-root subscription covering a project's streams needs that project's credentials", async () => {
    const url = `${inject("baseUrl")}/v1/stream/__ds/subscriptions/cover-${p.name}`;
    const body = JSON.stringify({ type: "pull-wake", pattern: `${p.name}/s/*`, wake_stream: "wake-x" });
    const anonymous = await fetch(url, { method: "PUT", headers: json, body });
    await expectError(anonymous, 401, "anonymous covering a private project");
    expect((await fetch(url)).status).toBe(404);
    const root = { authorization: `Bearer ${inject("adminToken")}` };
    expect((await fetch(url, { method: "PUT", headers: { ...json, ...root }, body })).status).toBe(201);
    expect((await fetch(url, { method: "DELETE", headers: root })).status).toBe(204);
  });

  test("path traversal in names never escapes a token's paths or project", async () => {
    const before = await state();
    const chat = await tokenFor(p, "manage", { streams: ["chat/**"] });
    const raw = (method: string, path: string, headers: Record<string, string> = {}) =>
      new Promise<number>((ok, fail) => {
        const url = new URL(inject("baseUrl"));
        const body = path.startsWith("/v1/estuary/")
          ? '{"estuaryId":"chat-s"}'
          : method === "PUT" || method === "POST"
            ? "x"
            : undefined;
        const length: Record<string, string> = body === undefined ? {} : { "content-length": String(body.length) };
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers: { ...text, ...length, ...headers, authorization: `Bearer ${chat}` },
          },
          (res) => {
            res.resume();
            res.on("end", () => ok(res.statusCode ?? 0));
          },
        );
        req.on("error", fail);
        req.end(body);
      });
    const paths = [
      `/v1/stream/${p.name}/chat/..%2Fsecret`,
      `/v1/stream/${p.name}/chat/%2e%2e/secret`,
      `/v1/stream/${p.name}/chat/%2E%2E/%2E%2E/${other.name}/x`,
      `/v1/stream/${p.name}/chat/../../${other.name}/x`,
      `/v1/stream/${p.name}/chat/%5C..%5Csecret`,
      `/v1/stream/${p.name}/chat%2F..%2Fsecret`,
      `/v1/stream/${p.name}/chat/a%00b`,
      `/v1/stream/${p.name}/chat/__ds/x`,
    ];
    for (const path of paths) {
      for (const method of ["PUT", "POST", "GET", "DELETE"]) {
        const status = await raw(method, path);
        expect([400, 401, 403], `${method} ${path}`).toContain(status);
      }
    }
    // Estuary routes parse the same paths: no way out of the token's patterns or the project.
    const estuaryPaths = [
      `/v1/estuary/subscribe/${p.name}/chat/..%2Fs%2Fbase`,
      `/v1/estuary/subscribe/${p.name}/chat/%2e%2e/s/base`,
      `/v1/estuary/subscribe/${p.name}/chat/../../${other.name}/x`,
      `/v1/estuary/${p.name}/..%2Fsess-1`,
      `/v1/estuary/${p.name}/%2e%2e`,
    ];
    for (const path of estuaryPaths) {
      for (const method of ["POST", "GET", "DELETE"]) {
        const status = await raw(method, path);
        expect([400, 401, 403, 404], `${method} ${path}`).toContain(status);
      }
    }
    const fork = await raw("PUT", `/v1/stream/${p.name}/chat/f`, {
      "stream-forked-from": `/v1/stream/${p.name}/chat/../s/base`,
    });
    expect(fork, "fork source outside the token's paths").toBe(403);
    for (const name of ["secret", "chat/f", "x"]) {
      const head = await fetch(`${inject("baseUrl")}/v1/stream/${p.name}/${name}`, {
        method: "HEAD",
        headers: bearer(full),
      });
      expect(head.status, name).toBe(404);
    }
    const head = await fetch(`${inject("baseUrl")}/v1/stream/${other.name}/x`, {
      method: "HEAD",
      headers: bearer(await tokenFor(other, "read")),
    });
    expect(head.status).toBe(404);
    expect(await state()).toBe(before);
  });

  test("the right credentials reach every route (the matrix is not vacuous)", async () => {
    const got: Record<string, number> = {};
    for (const route of ROUTES.filter((r) => !["delete", "close", "estuary delete"].includes(r.name))) {
      const auth = route.needs === "root" ? bearer(inject("adminToken")) : bearer(full);
      const res = route.name === "sse" ? await call(route, p.name, auth, "") : await call(route, p.name, auth);
      got[route.name] = res.status;
      await res.body?.cancel();
    }
    expect(got).toMatchObject({
      create: 201,
      append: 204,
      fork: 201,
      "catch-up": 200,
      "long-poll": 200,
      sse: 200,
      head: 200,
      "estuary subscribe": 200,
      "estuary unsubscribe": 200,
      "estuary get": 200,
      "estuary refresh": 200,
      "admin read": 200,
      "admin update": 200,
      "admin add key": 201,
      "admin remove key": 200,
      "admin mint": 201,
      "admin create": 201,
      "admin list": 200,
    });
    // Past authorization, the subscription path reaches the router (no such API yet).
    expect(got.subscription).toBe(400);
  });
});
