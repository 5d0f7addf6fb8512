/**
 * Project administration and keys against the local Worker: creation shows
 * the secret once, settings validate, keys rotate without downtime, public
 * keys (ES256 / EdDSA JWKs) verify tokens minted elsewhere.
 */
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, inject, test } from "vitest";
import { admin, bearer, createProject, projectStreamUrl, tokenFor } from "./support/auth.js";

async function status(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}?offset=-1`, { headers: bearer(token) });
  await res.body?.cancel();
  return res.status;
}

describe("project administration", () => {
  test("secrets are shown only on creation; settings are validated", async () => {
    const p = await createProject("adm");
    const read = await admin(`/${p.name}`);
    const text = await read.text();
    expect(read.status).toBe(200);
    expect(text).not.toContain(p.secret);
    expect(JSON.parse(text).project).toMatchObject({ name: p.name, anonymous: "none", corsOrigins: ["*"] });
    const dup = await admin("", { method: "POST", body: JSON.stringify({ name: p.name }) });
    expect(dup.status).toBe(409);
    for (const bad of [
      { anonymous: "everyone" },
      { corsOrigins: ["https://a.example/path"] },
      { limits: { requestsPerMinute: -1 } },
      { limits: { bogus: 1 } },
      { keys: [] },
    ]) {
      const res = await admin(`/${p.name}`, { method: "PATCH", body: JSON.stringify(bad) });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
    }
    const ok = await admin(`/${p.name}`, {
      method: "PATCH",
      body: JSON.stringify({ limits: { maxAppendBytes: 2048 } }),
    });
    expect(((await ok.json()) as { project: { limits: object } }).project.limits).toMatchObject({
      maxAppendBytes: 2048,
      requestsPerMinute: 60_000,
    });
    expect((await admin("/no-such-project")).status).toBe(404);
    const bad = await admin("", { method: "POST", body: JSON.stringify({ name: "Bad Name" }) });
    expect(bad.status).toBe(400);
  });

  test("key rotation keeps old tokens valid until the old key is removed", async () => {
    const p = await createProject("rot");
    const url = projectStreamUrl(p.name, "rotating");
    const oldToken = await tokenFor(p, "write");
    const put = await fetch(url, { method: "PUT", headers: bearer(oldToken) });
    expect(put.status).toBe(201);

    const added = await admin(`/${p.name}/keys`, { method: "POST", body: JSON.stringify({ kid: "k2" }) });
    expect(added.status).toBe(201);
    const { key } = (await added.json()) as { key: { kid: string; secret: string } };
    expect(key.kid).toBe("k2");
    const newToken = await tokenFor(p, "read", { kid: "k2", key: { alg: "HS256", secret: key.secret } });
    expect(await status(url, oldToken)).toBe(200);
    expect(await status(url, newToken)).toBe(200);

    // The mint route signs with the newest HS256 key.
    const minted = await admin(`/${p.name}/tokens`, { method: "POST", body: '{"sub":"svc","scope":"read"}' });
    const m = (await minted.json()) as { token: string; kid: string };
    expect(m.kid).toBe("k2");
    expect(await status(url, m.token)).toBe(200);

    const removed = await admin(`/${p.name}/keys/${p.kid}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    // Applies within the project cache TTL (immediately in the isolate that made the change).
    let old = 0;
    for (let i = 0; i < 50 && old !== 401; i++) {
      old = await status(url, oldToken);
      if (old !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    expect(old).toBe(401);
    expect(await status(url, newToken)).toBe(200);
    const last = await admin(`/${p.name}/keys/k2`, { method: "DELETE" });
    expect(last.status).toBe(409);
  });

  test("ES256 and EdDSA public keys verify tokens minted by another backend", async () => {
    const p = await createProject("jwks");
    const url = projectStreamUrl(p.name, "signed-elsewhere");
    for (const alg of ["ES256", "EdDSA"] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(publicKey);
      const kid = `pub-${alg.toLowerCase()}`;
      const res = await admin(`/${p.name}/keys`, { method: "POST", body: JSON.stringify({ kid, alg, jwk }) });
      expect(res.status, alg).toBe(201);
      const token = await tokenFor(p, "write", { kid, key: { alg, privateKey } });
      const put = await fetch(url, { method: "PUT", headers: bearer(token) });
      expect([200, 201], alg).toContain(put.status);
      // The right kid with an HS256 signature is algorithm confusion: refused.
      const confused = await tokenFor(p, "write", { kid });
      expect(await status(url, confused), `${alg} kid with HS256`).toBe(401);
      const priv = await admin(`/${p.name}/keys`, {
        method: "POST",
        body: JSON.stringify({ kid: `${kid}-priv`, alg, jwk: await exportJWK(privateKey) }),
      });
      expect(priv.status, "private keys are refused").toBe(400);
    }
  });

  test("a manage token administers its own project only; path-limited manage tokens cannot", async () => {
    const p = await createProject("own");
    const q = await createProject("own-other");
    const manage = await tokenFor(p, "manage");
    expect((await admin(`/${p.name}`, { token: manage })).status).toBe(200);
    expect((await admin(`/${q.name}`, { token: manage })).status).toBe(401);
    expect((await admin("", { token: manage })).status).toBe(403);
    const limited = await tokenFor(p, "manage", { streams: ["**"] });
    expect((await admin(`/${p.name}`, { token: limited })).status).toBe(403);
    expect((await admin(`/${p.name}`, { token: `${inject("adminToken")}x` })).status).toBe(401);
  });
});
