/** The dashboard Worker's bindings and vars (wrangler.jsonc). */
export interface DashboardEnv {
  /** Static UI assets built into ./dist. */
  ASSETS: Fetcher;
  /** The server Worker's AdminApi entrypoint (RPC methods plus fetch). */
  SERVER: Fetcher & Record<string, unknown>;
  /** Cloudflare Access team domain; empty = not configured. */
  ACCESS_TEAM_DOMAIN?: string;
  /** The Access application's AUD tag; empty = not configured. */
  ACCESS_AUD?: string;
  /** "true" serves without Access (explicit opt-in). */
  DASHBOARD_OPEN?: string;
}
