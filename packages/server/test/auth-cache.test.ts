/**
 * Caching of private streams: responses are `private` + `Vary: Authorization`,
 * and a later caller without the right credentials gets 401/403 — never the
 * data a previous authorised read put in the edge cache. Public-read projects
 * keep `public` caching.
 */
import { describe, expect, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { bearer, createProject, projectStreamUrl, tokenFor } from "./support/auth.js";

// MAX_READ_BYTES: reads of a longer stream stop short of the tail (cacheable chunks).
const CHUNK = Number(TEST_VARS.MAX_READ_BYTES);

describe("private stream caching", () => {
  test("a private stream's cached read is never served to an unauthorised caller", async () => {
    const p = await createProject("priv");
    const q = await createProject("priv-other");
    const url = projectStreamUrl(p.name, "secret/data");
    const writer = await tokenFor(p, "write");
    const body = "s".repeat(CHUNK + 4096);
    const put = await fetch(url, { method: "PUT", headers: { ...bearer(writer), "content-type": "text/plain" }, body });
    expect(put.status).toBe(201);

    // A full chunk below the tail: the read path keeps it in the Workers cache.
    const reader = await tokenFor(p, "read", { streams: ["secret/**"] });
    for (let i = 0; i < 2; i++) {
      const first = await fetch(`${url}?offset=-1`, { headers: bearer(reader) });
      expect(first.status).toBe(200);
      expect(first.headers.get("stream-up-to-date")).toBeNull();
      expect(first.headers.get("cache-control")).toMatch(/^private,/);
      expect(first.headers.get("vary")).toMatch(/Authorization/i);
      expect((await first.text()).length).toBe(CHUNK);
    }
    const viaQuery = await fetch(`${url}?offset=-1&token=${reader}`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.headers.get("cache-control")).toMatch(/^private,/);
    await viaQuery.body?.cancel();

    const attempts: [string, Record<string, string>, string, number][] = [
      ["no credentials", {}, "", 401],
      ["bad token", bearer("x.y.z"), "", 401],
      ["query token of another project", {}, `&token=${await tokenFor(q, "read")}`, 401],
      ["token for other paths", bearer(await tokenFor(p, "read", { streams: ["public/**"] })), "", 403],
      [
        "expired token",
        bearer(await tokenFor(p, "read", { now: new Date(Date.now() - 3_600_000), ttlSeconds: 60 })),
        "",
        401,
      ],
    ];
    for (const [what, headers, query, want] of attempts) {
      for (const offset of ["-1", "now"]) {
        const res = await fetch(`${url}?offset=${offset}${query}`, { headers: { ...headers, "if-none-match": "*" } });
        expect(res.status, what).toBe(want);
        const text = await res.text();
        expect(text, what).not.toContain("sss");
        expect(res.headers.get("cache-control"), what).toBe("no-store");
      }
    }
  });

  test("projects with anonymous reads are cached publicly and still need tokens to write", async () => {
    const p = await createProject("pub", { anonymous: "read" });
    const url = projectStreamUrl(p.name, "news");
    const put = await fetch(url, {
      method: "PUT",
      headers: { ...bearer(await tokenFor(p, "write")), "content-type": "text/plain" },
      body: "hello",
    });
    expect(put.status).toBe(201);
    const read = await fetch(`${url}?offset=-1`);
    expect(read.status).toBe(200);
    expect(read.headers.get("cache-control")).toMatch(/^public,/);
    expect(await read.text()).toBe("hello");
    const write = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
    expect(write.status).toBe(401);
    const bad = await fetch(`${url}?offset=-1`, { headers: bearer("not.a.token") });
    expect(bad.status, "a bad token is refused even where anonymous reads are allowed").toBe(401);
  });
});
