/** Every question the CLI can ask, with the flag and environment variable that answer it. */
import type { Source } from "./ask.js";

const q = (id: string, flag: string, env: string, message: string): Source => ({ id, flag, env, message });

/** The questions, by id. */
export const Q = {
  account: q("account", "account-id", "CLOUDFLARE_ACCOUNT_ID", "Cloudflare account"),
  worker: q("worker", "name", "DS_EDGE_NAME", "Worker name"),
  dir: q("dir", "dir", "DS_EDGE_DIR", "Workspace directory"),
  components: q("components", "components", "DS_EDGE_COMPONENTS", "Components"),
  packageManager: q("packageManager", "package-manager", "DS_EDGE_PACKAGE_MANAGER", "Package manager"),
  deploy: q("deploy", "deploy", "DS_EDGE_DEPLOY", "Deploy now?"),
  url: q("url", "url", "DS_EDGE_URL", "URL of the Worker (wrangler printed none)"),
  subdomain: q("subdomain", "subdomain", "DS_EDGE_SUBDOMAIN", "workers.dev subdomain to register"),
  accessTeamDomain: q(
    "accessTeamDomain",
    "access-team-domain",
    "DS_EDGE_ACCESS_TEAM_DOMAIN",
    "Cloudflare Access team domain for the dashboard (<team>.cloudflareaccess.com; empty: set up later)",
  ),
  accessAud: q(
    "accessAud",
    "access-aud",
    "DS_EDGE_ACCESS_AUD",
    "Access application AUD tag for the dashboard (empty: set up later)",
  ),
  project: q("project", "project", "DS_EDGE_PROJECT", "Name of the first project"),
  retire: q("retire", "confirm", "DS_EDGE_CONFIRM", "Retire these keys?"),
  upgradeLossy: q("upgradeLossy", "confirm", "DS_EDGE_CONFIRM", "Apply migrations that remove stored data?"),
  destroy: q("destroy", "confirm", "DS_EDGE_CONFIRM", "Delete all of this?"),
} as const;

/** Environment variables of settings that are not questions. */
export const ENV = {
  yes: "DS_EDGE_YES",
  stateDir: "DS_EDGE_STATE_DIR",
  wrangler: "DS_EDGE_WRANGLER",
  serverSpec: "DS_EDGE_SERVER_SPEC",
  wranglerSpec: "DS_EDGE_WRANGLER_SPEC",
  dashboardSpec: "DS_EDGE_DASHBOARD_SPEC",
  dashboard: "DS_EDGE_DASHBOARD",
  url: "DS_EDGE_URL",
} as const;
