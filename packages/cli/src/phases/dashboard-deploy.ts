/**
 * The dashboard's part of step 5: build its assets (from a source checkout),
 * then `wrangler deploy -c dashboard/wrangler.jsonc` — after the server's
 * deploy, since its service binding needs the server Worker to exist. A
 * failure here leaves the server deployed and says so; the next run deploys
 * the dashboard again (it reuses the recorded choice and Access settings).
 */
import {
  buildsFromSource,
  checkBuilt,
  dashboardWorker,
  DASHBOARD_CONFIG,
  DASHBOARD_PACKAGE,
  type DashboardPackage,
} from "../dashboard.js";
import { join } from "node:path";
import { CliError } from "../errors.js";
import { exec } from "../exec.js";
import type { SetupContext } from "../setup-context.js";
import { failure } from "../wrangler.js";
import { writeState } from "../workspace-state.js";
import { deployedUrl } from "./deploy.js";

/** The real build: the package's own `build` script. */
async function runBuild(dash: DashboardPackage, pm: string): Promise<void> {
  const r = await exec({ command: pm, args: ["run", "build"], cwd: dash.dir });
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split("\n").slice(-6).join("\n");
    throw new CliError(
      `Building the dashboard failed in ${dash.dir}:\n${tail}`,
      `fix it (pnpm --filter ${DASHBOARD_PACKAGE} build), then re-run setup: the server is kept as deployed`,
    );
  }
}

/** Builds the dashboard's assets when setup runs from a source checkout; checks they exist. */
export async function buildDashboard(ctx: SetupContext, dash: DashboardPackage): Promise<void> {
  if (buildsFromSource(dash)) {
    const build = ctx.buildDashboard ?? runBuild;
    await ctx.ui.spin(`${ctx.packageManager} run build (${DASHBOARD_PACKAGE})`, () => build(dash, ctx.packageManager));
  }
  checkBuilt(dash);
}

/**
 * Deploys the dashboard Worker (or, locally, bundles it) and records it in
 * the workspace state. A failure does not stop the run — the server is up,
 * so the first project and the summary still follow — but is kept in
 * `ctx.dashboardError`, which the command throws at the end (exit 1).
 */
export async function deployDashboard(ctx: SetupContext): Promise<void> {
  const dash = ctx.dashboard;
  if (!dash) return;
  try {
    await buildAndDeploy(ctx, dash);
  } catch (e) {
    if (ctx.local || !(e instanceof CliError)) throw e;
    ctx.dashboardError = new CliError(
      `The server Worker ${ctx.worker} is deployed, but the dashboard Worker ${dashboardWorker(ctx.worker)} is not: ${e.message}`,
      e.hint,
    );
    ctx.ui.warn(`The dashboard was not deployed; the server was (the reason follows the summary)`);
  }
}

async function buildAndDeploy(ctx: SetupContext, dash: DashboardPackage): Promise<void> {
  await buildDashboard(ctx, dash);
  if (ctx.local) {
    await ctx.wrangler.run({
      // Absolute: wrangler would resolve a relative --outdir from the config's directory.
      args: ["deploy", "-c", DASHBOARD_CONFIG, "--dry-run", "--outdir", join(ctx.dir, "dist", "dashboard")],
      cwd: ctx.dir,
      hint: "fix the problem above, then re-run setup --local",
    });
    ctx.ui.success("The dashboard bundles too (pnpm dev in the repository runs it locally)");
    return;
  }
  const call = {
    args: ["deploy", "-c", DASHBOARD_CONFIG],
    cwd: ctx.dir,
    hint: "fix the problem above, then re-run setup (or upgrade): the server is reused and the dashboard deployed again",
  };
  const r = await ctx.wrangler.run({ ...call, allowFailure: true });
  if (r.code !== 0) {
    const e = failure(call, r);
    throw new CliError(e.message, e.hint ?? call.hint);
  }
  ctx.dashboardDeployed = true;
  ctx.dashboardUrl = deployedUrl(r.stdout);
  writeState(ctx);
  ctx.ui.success(`Deployed the dashboard${ctx.dashboardUrl ? ` to ${ctx.dashboardUrl}` : ""}`);
}
