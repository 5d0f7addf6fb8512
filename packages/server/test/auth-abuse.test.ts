/**
 * Abuse resistance against the local Worker: project names cannot be probed
 * (unknown and existing projects answer alike), query-string tokens carry
 * read scope only, and the root ADMIN_TOKEN may use any stream or session.
 */
import { describe, expect, inject, test } from "vitest";
import {
  admin,
  bearer,
  createProject,
  projectName,
  projectStreamUrl,
  tokenFor,
  unsignedToken,
} from "./support/auth.js";
import { estuary } from "./support/estuary.js";

const root = () => bearer(inject("adminToken"));
const text = { "content-type": "text/plain" };

/** Status and error (project name blanked) of a request. */
async function answer(url: string, init: RequestInit): Promise<{ status: number; code?: string; message?: string }> {
  const res = await fetch(url, init);
  const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  return { status: res.status, code: body.error?.code, message: body.error?.message.replace(/"[a-z0-9-]+"/g, '"P"') };
}

describe("project enumeration", () => {
  test("an unknown project answers exactly like an existing private one without valid credentials", async () => {
    const real = await createProject("enum");
    const ghost = projectName("ghost");
    const garbage = { authorization: "Bearer not-a-token" };
    const forged = bearer(unsignedToken(ghost, real.kid));
    const cases: [string, RequestInit, string][] = [
      ["GET no token", {}, "?offset=-1"],
      ["PUT no token", { method: "PUT", headers: text }, ""],
      ["POST no token", { method: "POST", headers: text, body: "x" }, ""],
      ["GET garbage", { headers: garbage }, "?offset=-1"],
      ["GET forged", { headers: forged }, "?offset=-1"],
      ["DELETE forged", { method: "DELETE", headers: forged }, ""],
      ["GET query garbage", {}, "?offset=-1&token=abc"],
    ];
    for (const [name, init, q] of cases) {
      const a = await answer(`${projectStreamUrl(real.name, "s")}${q}`, init);
      const b = await answer(`${projectStreamUrl(ghost, "s")}${q}`, init);
      expect(a.status, name).toBe(401);
      expect(b, name).toEqual(a);
    }
    // Admin routes: a token that is not root learns nothing either.
    const adminReal = await admin(`/${real.name}`, { token: "not-a-token" });
    const adminGhost = await admin(`/${ghost}`, { token: "not-a-token" });
    expect([adminReal.status, adminGhost.status]).toEqual([401, 401]);
    // The root ADMIN_TOKEN may know: 404.
    const rootGhost = await answer(`${projectStreamUrl(ghost, "s")}?offset=-1`, { headers: root() });
    expect(rootGhost).toMatchObject({ status: 404, code: "not_found" });
    expect((await admin(`/${ghost}`)).status).toBe(404);
  });
});

describe("query-string tokens", () => {
  test("?token= carries read scope only: write, manage and root tokens there are 401", async () => {
    const p = await createProject("query");
    const url = projectStreamUrl(p.name, "q");
    expect((await fetch(url, { method: "PUT", headers: { ...text, ...root() } })).status).toBe(201);
    const read = await tokenFor(p, "read");
    expect((await fetch(`${url}?offset=-1&token=${read}`)).status).toBe(200);
    for (const token of [await tokenFor(p, "write"), await tokenFor(p, "manage"), inject("adminToken")]) {
      const res = await fetch(`${url}?offset=-1&token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("unauthorized");
      expect(body.error.message).toMatch(/read scope only/);
    }
    // The same tokens in Authorization work.
    expect((await fetch(`${url}?offset=-1`, { headers: bearer(await tokenFor(p, "write")) })).status).toBe(200);
  });
});

describe("the root ADMIN_TOKEN", () => {
  test("may use streams and any estuary session of any project", async () => {
    const p = await createProject("root");
    const base = inject("baseUrl");
    const src = projectStreamUrl(p.name, "src");
    const json = { "content-type": "application/json" };
    expect((await fetch(src, { method: "PUT", headers: { ...json, ...root() } })).status).toBe(201);
    const sub = await estuary(base, "POST", `/subscribe/${p.name}/src`, { estuaryId: "root-session" }, root());
    expect(sub.status, await sub.clone().text()).toBe(201);
    expect((await estuary(base, "GET", `/${p.name}/root-session`, undefined, root())).status).toBe(200);
    // A session another subject owns.
    const alice = bearer(await tokenFor(p, "write", { sub: "alice" }));
    expect((await estuary(base, "POST", `/subscribe/${p.name}/src`, { estuaryId: "alice-s" }, alice)).status).toBe(201);
    expect((await estuary(base, "POST", `/${p.name}/alice-s/refresh`, {}, root())).status).toBe(200);
    expect((await estuary(base, "DELETE", `/${p.name}/alice-s`, undefined, root())).status).toBeLessThan(300);
  });
});
