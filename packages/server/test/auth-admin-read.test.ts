/**
 * Auth on the admin read routes (`/v1/projects/:name/streams|summary|metrics|sessions`):
 * the root ADMIN_TOKEN or an unrestricted manage token of that project; no
 * token, a query-string token, a lower scope, a path-restricted or another
 * project's token are refused, and the refusal changes nothing.
 */
import { describe, expect, inject, test } from "vitest";
import { admin, bearer, createProject, projectStreamUrl, tokenFor } from "./support/auth.js";

const ROUTES = ["streams", "streams/some/stream", "summary", "metrics", "sessions", "sessions/tab-1"];

describe("admin read routes: auth", () => {
  test("every route needs root or the project's manage scope", async () => {
    const p = await createProject("adr");
    const other = await createProject("adr-other");
    const manage = await tokenFor(p, "manage");
    const tokens = {
      read: await tokenFor(p, "read"),
      write: await tokenFor(p, "write"),
      restricted: await tokenFor(p, "manage", { streams: ["some/**"] }),
      otherProject: await tokenFor(other, "manage"),
    };
    const put = await fetch(projectStreamUrl(p.name, "some/stream"), { method: "PUT", headers: bearer(manage) });
    expect(put.status).toBe(201);
    for (const route of ROUTES) {
      const path = `/${p.name}/${route}`;
      const none = await fetch(`${inject("baseUrl")}/v1/projects${path}`);
      expect(none.status, `${route} without a token`).toBe(401);
      const inQuery = await fetch(`${inject("baseUrl")}/v1/projects${path}?token=${manage}`);
      expect(inQuery.status, `${route} with ?token=`).toBe(401);
      for (const [kind, token] of Object.entries(tokens)) {
        const res = await admin(path, { token });
        expect([401, 403], `${route} with a ${kind} token`).toContain(res.status);
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toMatch(/unauthorized|forbidden/);
      }
      const ok = route.startsWith("sessions/") ? 404 : 200; // no such session, but allowed to ask
      expect((await admin(path, { token: manage })).status, `${route} with a manage token`).toBe(ok);
      expect((await admin(path)).status, `${route} with the root token`).toBe(ok);
    }
    // The listing shows the stream to the project's manage token.
    const list = (await (await admin(`/${p.name}/streams`, { token: manage })).json()) as {
      streams: { name: string }[];
    };
    expect(list.streams.map((s) => s.name)).toEqual(["some/stream"]);
  });

  test("bad project names are a 400; another project's token gets 401 on an unknown project", async () => {
    expect((await admin("/Bad%20Name/streams")).status).toBe(400);
    const p = await createProject("adr-404");
    const manage = await tokenFor(p, "manage");
    // Another project's token learns nothing: an unknown project answers like a private one.
    expect((await admin(`/${p.name}-missing/streams`, { token: manage })).status).toBe(401);
    // The root token may read a project that has no stored config (the open default project).
    expect((await admin(`/default/summary`)).status).toBe(200);
  });
});
