import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, test } from "vitest";
import type { ProjectConfig } from "../projects/config.js";
import { DEFAULT_LIMITS } from "../projects/config.js";
import { newSecret, type SigningKey } from "../projects/keys.js";
import { mintToken } from "./mint.js";
import { verifyToken } from "./verify.js";

const secret = newSecret();
const at = "2026-01-01T00:00:00.000Z";

function project(keys: SigningKey[], name = "acme"): ProjectConfig {
  return { name, anonymous: "none", corsOrigins: ["*"], keys, limits: DEFAULT_LIMITS, createdAt: at, updatedAt: at };
}

const hs = project([{ kid: "k1", alg: "HS256", secret, createdAt: at }]);
const mint = (o: Partial<Parameters<typeof mintToken>[0]> = {}) =>
  mintToken({
    project: "acme",
    kid: "k1",
    key: { alg: "HS256", secret },
    sub: "u",
    scope: "write",
    ttlSeconds: 60,
    ...o,
  });

async function refusal(token: string, p = hs): Promise<string> {
  const r = await verifyToken(token, p);
  if (!("ok" in r)) throw new Error("token was accepted");
  expect(r.status).toBe(401);
  return r.message;
}

describe("verifyToken", () => {
  test("a valid HS256 token grants its scope and paths", async () => {
    const r = await verifyToken(await mint({ streams: ["chat/*"] }), hs);
    expect(r).toMatchObject({ sub: "u", scope: "write", streams: ["chat/*"], kid: "k1" });
  });

  test("refuses alg none, unknown kid, wrong project, expiry, bad signatures and claims", async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const none = `${enc({ alg: "none", kid: "k1" })}.${enc({ sub: "u", scope: "manage", aud: "ds:acme", exp: now + 60 })}.`;
    expect(await refusal(none)).toMatch(/algorithm "none"/);
    expect(await refusal(await mint({ kid: "k9" }))).toMatch(/key id "k9"/);
    expect(await refusal(await mint({ project: "other" }))).toMatch(/not for project "acme"/);
    expect(await refusal(await mint({ now: new Date(Date.now() - 120_000) }))).toMatch(/expired/);
    expect(await refusal(await mint({ key: { alg: "HS256", secret: newSecret() } }))).toMatch(/signature/);
    expect(await refusal(await mint(), project([{ kid: "k1", alg: "HS256", secret, createdAt: at }], "other"))).toMatch(
      /not for project/,
    );
    expect(await refusal("garbage")).toMatch(/not a JWT/);
    const forged = (await mint()).split(".");
    forged[1] = enc({ sub: "u", scope: "manage", aud: "ds:acme", exp: now + 60 });
    expect(await refusal(forged.join("."))).toMatch(/signature/);
  });

  test("tolerates 30 s of clock skew, not more", async () => {
    const skewed = await mint({ now: new Date(Date.now() - 75_000) }); // expired 15 s ago
    expect("ok" in (await verifyToken(skewed, hs))).toBe(false);
    expect(await refusal(await mint({ now: new Date(Date.now() - 100_000) }))).toMatch(/expired/);
  });

  test("ES256 and EdDSA public keys; an HS256 token naming them is refused", async () => {
    for (const alg of ["ES256", "EdDSA"] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg);
      const jwk = (await exportJWK(publicKey)) as never;
      const p = project([{ kid: "pub", alg, jwk, createdAt: at }]);
      const ok = await verifyToken(await mint({ kid: "pub", key: { alg, privateKey } }), p);
      expect("ok" in ok, alg).toBe(false);
      expect(await refusal(await mint({ kid: "pub" }), p)).toMatch(/is an .* key/);
    }
  });
});
