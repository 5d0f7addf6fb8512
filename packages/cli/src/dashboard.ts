/**
 * The dashboard component. Its package (@durable-streams-edge/dashboard) does
 * not exist yet, so choosing it fails clearly before anything is changed.
 * Once it exists: `dashboardPackage()` finds it, the scaffold writes
 * `dashboard/wrangler.jsonc` from `dashboardConfig()` (its own config plus a
 * service binding to this deployment's server Worker), and the deploy phase
 * runs `wrangler deploy` in `dashboard/` after the server's deploy.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CliError } from "./errors.js";
import { readWranglerConfig, type WranglerConfig } from "./server-package.js";

/** The package name the dashboard will be published under. */
export const DASHBOARD_PACKAGE = "@durable-streams-edge/dashboard";

/** The installed dashboard package. */
export interface DashboardPackage {
  readonly dir: string;
  readonly config: WranglerConfig;
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
  return { dir, config: readWranglerConfig(join(dir, "wrangler.jsonc")) };
}

/** The dashboard package; fails with "not available yet" while it does not exist. */
export function requireDashboard(found = dashboardPackage()): DashboardPackage {
  if (found) return found;
  throw new CliError(
    "The dashboard is not available yet: this CLI ships without " + DASHBOARD_PACKAGE,
    "leave it out of --components / DS_EDGE_COMPONENTS (server,proxy); a later release adds it",
  );
}

/** The dashboard Worker's config for a deployment: named after the server, bound to its AdminApi entrypoint as SERVER (docs/admin.md). */
export function dashboardConfig(dashboard: WranglerConfig, serverWorker: string): WranglerConfig {
  const services = ((dashboard.services as { binding: string }[] | undefined) ?? []).filter(
    (s) => s.binding !== "SERVER",
  );
  return {
    ...dashboard,
    name: `${serverWorker}-dashboard`,
    services: [...services, { binding: "SERVER", service: serverWorker, entrypoint: "AdminApi" }],
  };
}
