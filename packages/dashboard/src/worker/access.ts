/**
 * The Cloudflare Access check: every request must carry a `Cf-Access-Jwt-Assertion`
 * signed by one of the team's keys (JWKS at `<team>/cdn-cgi/access/certs`,
 * refetched when a token names an unknown key, so rotation needs nothing),
 * with `aud` = the application's AUD tag and `iss` = the team origin.
 * Without Access configured the dashboard answers an error page, unless
 * DASHBOARD_OPEN is "true" or the request comes to a loopback host (local dev).
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { DashboardEnv } from "./env.js";

/** Why a request was let in, or why not. */
export type AccessDecision =
  { ok: true; who: string } | { ok: false; status: 401 | 403 | 503; code: string; message: string };

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const jwksByUrl = new Map<string, JWTVerifyGetKey>();

/** The team origin: `https://<team domain>`, or the value itself when it has a scheme (tests). */
export function teamOrigin(domain: string): string {
  const d = domain.trim().replace(/\/+$/, "");
  return /^https?:\/\//.test(d) ? d : `https://${d}`;
}

function jwks(origin: string): JWTVerifyGetKey {
  const url = `${origin}/cdn-cgi/access/certs`;
  let set = jwksByUrl.get(url);
  if (!set) {
    // A short cooldown lets a rotated key be fetched soon after the previous fetch.
    set = createRemoteJWKSet(new URL(url), { cooldownDuration: 5_000, cacheMaxAge: 10 * 60_000 });
    jwksByUrl.set(url, set);
  }
  return set;
}

/** Decides whether `request` may use the dashboard. */
export async function checkAccess(request: Request, env: DashboardEnv): Promise<AccessDecision> {
  const team = env.ACCESS_TEAM_DOMAIN?.trim() ?? "";
  const aud = env.ACCESS_AUD?.trim() ?? "";
  if (team === "" || aud === "") {
    if ((env.DASHBOARD_OPEN ?? "").toLowerCase() === "true") return { ok: true, who: "open (DASHBOARD_OPEN)" };
    if (LOOPBACK.has(new URL(request.url).hostname)) return { ok: true, who: "local dev (loopback)" };
    return {
      ok: false,
      status: 503,
      code: "access_not_configured",
      message:
        "Cloudflare Access is not configured: set ACCESS_TEAM_DOMAIN and ACCESS_AUD in the dashboard's wrangler.jsonc " +
        '(or DASHBOARD_OPEN = "true" to serve it without Access, at your own risk).',
    };
  }
  const token = request.headers.get("cf-access-jwt-assertion");
  if (!token) return { ok: false, status: 401, code: "unauthorized", message: "Missing Cf-Access-Jwt-Assertion" };
  const origin = teamOrigin(team);
  try {
    const { payload } = await jwtVerify(token, jwks(origin), {
      issuer: origin,
      audience: aud,
      algorithms: ["RS256", "ES256"],
    });
    return { ok: true, who: String(payload.email ?? payload.sub ?? "access") };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { ok: false, status: 403, code: "forbidden", message: `Invalid Access token: ${reason}` };
  }
}

/** The page (or JSON for /api) shown when access is refused. */
export function refusal(d: Extract<AccessDecision, { ok: false }>, api: boolean): Response {
  const headers = { "cache-control": "no-store" };
  if (api) return Response.json({ error: { code: d.code, message: d.message } }, { status: d.status, headers });
  const esc = d.message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html><meta charset="utf-8"><title>Dashboard: access refused</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto"><h1>Access refused</h1><p id="reason">${esc}</p></body>`;
  return new Response(html, { status: d.status, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
}
