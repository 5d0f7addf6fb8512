/**
 * The dashboard component (@durable-streams-edge/dashboard, DASHBOARD-CONTRACT
 * in the repository): a second Worker serving the admin UI from static assets,
 * bound to the server Worker's AdminApi entrypoint. The workspace depends on
 * the package and gets `dashboard/wrangler.jsonc` from `dashboardConfig()`:
 * the package's own config, named after the deployment, its service binding
 * aimed at this deployment's server Worker, and the Access settings.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CliError } from "./errors.js";
import { readWranglerConfig, type WranglerConfig } from "./server-package.js";

/** The package name the dashboard is published under. */
export const DASHBOARD_PACKAGE = "@durable-streams-edge/dashboard";
/** The dashboard's config inside the workspace (wrangler resolves its paths from there). */
export const DASHBOARD_CONFIG = "dashboard/wrangler.jsonc";
/** Where the workspace's install puts the package, seen from `dashboard/`. */
const INSTALLED = `../node_modules/${DASHBOARD_PACKAGE}`;

/** The installed dashboard package. */
export interface DashboardPackage {
  readonly dir: string;
  readonly version: string;
  readonly config: WranglerConfig;
}

/** Cloudflare Access settings the dashboard verifies requests with (empty: not configured). */
export interface AccessSettings {
  readonly teamDomain: string;
  readonly aud: string;
}

/** The dashboard package next to the CLI, if installed. */
export function dashboardPackage(): DashboardPackage | undefined {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve(`${DASHBOARD_PACKAGE}/package.json`);
  } catch {
    return undefined;
  }
  const dir = dirname(pkg);
  const version = (createRequire(import.meta.url)(pkg) as { version: string }).version;
  return { dir, version, config: readWranglerConfig(join(dir, "wrangler.jsonc")) };
}

/** The dashboard package; fails with "not available" when this CLI has none. */
export function requireDashboard(found: DashboardPackage | undefined): DashboardPackage {
  if (found) return found;
  throw new CliError(
    "The dashboard is not available: this CLI is installed without " + DASHBOARD_PACKAGE,
    "leave it out (--no-dashboard, or --components server,proxy), or reinstall the CLI with its dependencies",
  );
}

/** The dashboard Worker's name for a server Worker. */
export function dashboardWorker(serverWorker: string): string {
  return `${serverWorker}-dashboard`;
}

/** Problem with an Access team domain (`<team>.cloudflareaccess.com`), if any; empty means not configured. */
export function teamDomainProblem(v: string): string | undefined {
  if (v === "") return undefined;
  return /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/i.test(v)
    ? undefined
    : "give the host name only, e.g. myteam.cloudflareaccess.com";
}

/** Problem with an Access application's AUD tag (hex), if any; empty means not configured. */
export function audProblem(v: string): string | undefined {
  if (v === "") return undefined;
  return /^[0-9a-f]{32,128}$/i.test(v) ? undefined : "the Application Audience (AUD) tag is a long hex string";
}

/** A team domain as the user may paste it (`https://x.cloudflareaccess.com/`), reduced to the host. */
export function normalizeTeamDomain(v: string): string {
  return v
    .trim()
    .replace(/^https?:\/\//i, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

/**
 * The dashboard Worker's config for a deployment: named after the server,
 * its code and built assets from the installed package, bound to the server
 * Worker's AdminApi entrypoint as SERVER (docs/admin.md), with the Access
 * vars. DASHBOARD_OPEN stays "false": without Access it serves nothing.
 */
export function dashboardConfig(dash: WranglerConfig, serverWorker: string, access: AccessSettings): WranglerConfig {
  const services = ((dash.services as { binding: string }[] | undefined) ?? []).filter((s) => s.binding !== "SERVER");
  const assets = (dash.assets as Record<string, unknown> | undefined) ?? {};
  const dir = typeof assets.directory === "string" ? assets.directory.replace(/^\.\//, "") : "dist";
  return {
    ...dash,
    $schema: "../node_modules/wrangler/config-schema.json",
    name: dashboardWorker(serverWorker),
    main: `${INSTALLED}/${(dash.main ?? "src/worker/index.ts").replace(/^\.\//, "")}`,
    assets: { ...assets, directory: `${INSTALLED}/${dir}` },
    services: [...services, { binding: "SERVER", service: serverWorker, entrypoint: "AdminApi" }],
    vars: {
      ...dash.vars,
      ACCESS_TEAM_DOMAIN: access.teamDomain,
      ACCESS_AUD: access.aud,
      DASHBOARD_OPEN: "false",
    },
  };
}

/** The built assets directory of the package (its config's `assets.directory`). */
export function assetsDir(dash: DashboardPackage): string {
  const assets = (dash.config.assets as { directory?: string } | undefined) ?? {};
  return join(dash.dir, assets.directory ?? "dist");
}

/**
 * Whether setup builds the package itself: from a source checkout (not under
 * node_modules) it does; an installed package ships its built assets.
 */
export function buildsFromSource(dash: DashboardPackage): boolean {
  return !dash.dir.split(/[\\/]/).includes("node_modules");
}

/** Fails when the package's built assets are missing. */
export function checkBuilt(dash: DashboardPackage): void {
  if (existsSync(join(assetsDir(dash), "index.html"))) return;
  throw new CliError(
    `The dashboard's assets are missing (${assetsDir(dash)} has no index.html)`,
    `build it: pnpm --filter ${DASHBOARD_PACKAGE} build, then re-run`,
  );
}

/** The workspace's dependency on the dashboard: this version, or a link to a source checkout. */
export function defaultDashboardSpec(dash: DashboardPackage, packageManager: string): string {
  if (!buildsFromSource(dash)) return `^${dash.version}`;
  return `${packageManager === "npm" ? "file" : "link"}:${dash.dir}`;
}
