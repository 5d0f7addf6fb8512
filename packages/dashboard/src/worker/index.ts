/**
 * The dashboard Worker: every request (pages, API, static assets) passes the
 * Cloudflare Access check first (access.ts), then /api/* goes to the server's
 * AdminApi over the SERVER service binding (api.ts) and everything else to
 * the static assets, with index.html for the UI's routes.
 */
import { checkAccess, refusal } from "./access.js";
import { handleApi } from "./api.js";
import type { DashboardEnv } from "./env.js";

const SECURITY = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
};

function secured(res: Response): Response {
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(SECURITY)) out.headers.set(k, v);
  return out;
}

export default {
  async fetch(request: Request, env: DashboardEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ ok: true });
    const decision = await checkAccess(request, env);
    const api = url.pathname.startsWith("/api/");
    if (!decision.ok) return secured(refusal(decision, api));
    if (api) return secured(await handleApi(request, env, url));
    const asset = await env.ASSETS.fetch(request);
    if (asset.status !== 404) return secured(asset);
    return secured(await env.ASSETS.fetch(new Request(new URL("/index.html", url), request)));
  },
} satisfies ExportedHandler<DashboardEnv>;
