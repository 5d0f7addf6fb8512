import { describe, expect, test } from "vitest";
import { parseCreate, parseMintRequest, parseNewKey, parsePatch } from "./admin-input.js";
import { parseProjectConfig, publicView, type ProjectConfig } from "./config.js";

const now = "2026-01-01T00:00:00.000Z";

function created(): { config: ProjectConfig; secret: string } {
  const c = parseCreate({ name: "acme" }, now);
  if (typeof c === "string") throw new Error(c);
  return { config: c.config, secret: c.key.secret };
}

describe("project config", () => {
  test("defaults: no anonymous access, any origin, generous limits", () => {
    const { config } = created();
    expect(config).toMatchObject({ name: "acme", anonymous: "none", corsOrigins: ["*"] });
    expect(config.keys).toHaveLength(1);
    expect(config.limits.requestsPerMinute).toBeGreaterThan(1000);
  });

  test("stored configs are validated with messages naming the field", () => {
    expect(parseProjectConfig(null)).toMatch(/JSON object/);
    expect(parseProjectConfig({ name: "Acme" })).toMatch(/^name/);
    expect(parseProjectConfig({ name: "a", anonymous: "all" })).toMatch(/^anonymous/);
    expect(parseProjectConfig({ name: "a", keys: [{ kid: "k", alg: "none" }] })).toMatch(/keys\[0\]: alg/);
    expect(parseProjectConfig({ name: "a", keys: [{ kid: "k", alg: "HS256", secret: "short" }] })).toMatch(/32 bytes/);
    const jwk = { kty: "EC", crv: "P-256", x: "abc", y: "def", d: "secret" };
    expect(parseProjectConfig({ name: "a", keys: [{ kid: "k", alg: "ES256", jwk }] })).toMatch(/private key/);
    expect(parseProjectConfig({ name: "a", keys: [{ kid: "k", alg: "EdDSA", jwk: { kty: "EC" } }] })).toMatch(
      /Ed25519/,
    );
    expect(parseProjectConfig({ name: "a", corsOrigins: ["https://x.example/"] })).toMatch(/corsOrigins/);
    expect(parseProjectConfig({ name: "a", limits: { requestsPerMinute: 1.5 } })).toMatch(/limits.requestsPerMinute/);
  });

  test("admin views never show HS256 secrets", () => {
    const { config, secret } = created();
    expect(JSON.stringify(publicView(config))).not.toContain(secret);
  });

  test("patches change settings only; keys are added with unique kids", () => {
    const { config } = created();
    expect(parsePatch(config, { keys: [] }, now)).toMatch(/unknown field "keys"/);
    const patched = parsePatch(config, { anonymous: "read", limits: { maxAppendBytes: 10 } }, now);
    expect(patched).toMatchObject({ anonymous: "read", limits: { maxAppendBytes: 10, requestsPerMinute: 60_000 } });
    const k = parseNewKey(config, { kid: "k2" }, now);
    if (typeof k === "string") throw new Error(k);
    expect(k.config.keys.map((x) => x.kid)).toContain("k2");
    expect(parseNewKey(k.config, { kid: "k2" }, now)).toMatch(/already/);
    expect(parseNewKey(config, { alg: "HS256", jwk: {} }, now)).toMatch(/no jwk/);
  });

  test("mint requests are validated", () => {
    expect(parseMintRequest({ sub: "u", scope: "read" })).toEqual({ sub: "u", scope: "read", ttlSeconds: 3600 });
    expect(parseMintRequest({ sub: "u", scope: "read write" })).toMatch(/scope/);
    expect(parseMintRequest({ sub: "", scope: "read" })).toMatch(/sub/);
    expect(parseMintRequest({ sub: "u", scope: "read", ttlSeconds: 0 })).toMatch(/ttlSeconds/);
    expect(parseMintRequest({ sub: "u", scope: "read", streams: ["../x"] })).toMatch(/streams/);
  });
});
