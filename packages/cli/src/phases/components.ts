/**
 * Step 2: what to set up and where — components (the server always; the
 * nginx proxy files; the dashboard Worker and its Cloudflare Access settings),
 * the Worker's name, the workspace directory and the package manager.
 */
import { resolve } from "node:path";
import { askMulti, askSelect, askText } from "../ask.js";
import { PACKAGE_MANAGERS, type PackageManager } from "../install.js";
import { COMPONENTS, checkWorkspaceDir, type Component } from "../scaffold.js";
import {
  audProblem,
  dashboardPackage,
  normalizeTeamDomain,
  requireDashboard,
  teamDomainProblem,
  type AccessSettings,
} from "../dashboard.js";
import { CliError } from "../errors.js";
import type { Phase, SetupContext } from "../setup-context.js";
import { ENV, Q } from "../sources.js";
import { readStateIfAny, type WorkspaceState } from "../workspace-state.js";

/** Worker names: lowercase letters, digits and dashes (short enough to prefix resource names). */
export function workerNameProblem(name: string): string | undefined {
  return /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(name)
    ? undefined
    : "use 1-40 lowercase letters, digits and dashes, not starting or ending with a dash";
}

/** Whether the answer given by flag or environment names the dashboard. */
function dashboardAsked(ctx: SetupContext): boolean {
  const v = ctx.flags[Q.components.flag] ?? ctx.env[Q.components.env];
  return typeof v === "string" && v.split(",").some((c) => c.trim() === "dashboard");
}

/** --dashboard / --no-dashboard (or DS_EDGE_DASHBOARD=true|false); undefined when not given. */
function dashboardFlag(ctx: SetupContext): boolean | undefined {
  if (ctx.flags["no-dashboard"] === true) return false;
  if (ctx.flags.dashboard === true) return true;
  const e = ctx.env[ENV.dashboard];
  if (e === undefined || e === "") return undefined;
  if (/^(1|true|yes)$/i.test(e)) return true;
  if (/^(0|false|no)$/i.test(e)) return false;
  throw new CliError(`${ENV.dashboard}="${e}" is not true or false`, `fix ${ENV.dashboard}`);
}

/** The Access settings the dashboard checks: asked, or given, or kept from the earlier run. */
async function askAccess(ctx: SetupContext, before: WorkspaceState | undefined): Promise<AccessSettings> {
  const teamDomain = normalizeTeamDomain(
    await askText(ctx, Q.accessTeamDomain, before?.dashboard?.accessTeamDomain ?? "", (v) =>
      teamDomainProblem(normalizeTeamDomain(v)),
    ),
  );
  const aud = (await askText(ctx, Q.accessAud, before?.dashboard?.accessAud ?? "", (v) => audProblem(v.trim()))).trim();
  if ((teamDomain === "") !== (aud === "")) {
    throw new CliError(
      "The dashboard's Access settings need both the team domain and the AUD tag",
      "pass both --access-team-domain and --access-aud (or neither, to set up Access later)",
    );
  }
  return { teamDomain, aud };
}

/** The components phase. */
export const components: Phase = {
  title: "Choose components",
  async run(ctx) {
    const found = (ctx.findDashboard ?? dashboardPackage)();
    const flag = dashboardFlag(ctx);
    // Asked for by flag while it cannot be chosen: say so, rather than "not one of".
    if (dashboardAsked(ctx) || flag === true) requireDashboard(found);
    const explicit = (ctx.flags[Q.components.flag] ?? ctx.env[Q.components.env]) !== undefined || !ctx.yes;
    const picked = await askMulti<Component>(
      ctx,
      Q.components,
      [
        { value: "server", label: "Server", hint: "the Worker and its Durable Objects (always included)" },
        { value: "proxy", label: "Proxy files", hint: "nginx CDN origin config in proxy/" },
        {
          value: "dashboard",
          label: "Dashboard",
          hint: found ? "admin UI Worker, bound to the server; protect it with Cloudflare Access" : "not installed",
          disabled: !found,
        },
      ],
      flag === true ? ["server", "dashboard"] : ["server"],
    );
    let chosen = new Set<Component>(["server", ...picked]);
    ctx.worker = await askText(ctx, Q.worker, ctx.worker, workerNameProblem);
    const dir = await askText(ctx, Q.dir, `./${ctx.worker}`, (d) => {
      try {
        checkWorkspaceDir(resolve(d));
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    });
    ctx.dir = resolve(dir);
    const before = readStateIfAny(ctx.dir);
    if (flag !== undefined) {
      if (flag) chosen.add("dashboard");
      else chosen.delete("dashboard");
    } else if (!explicit && before?.components.includes("dashboard")) {
      // A re-run with the defaults keeps what the earlier setup deployed.
      chosen.add("dashboard");
      ctx.ui.info("dashboard: kept from the earlier setup (--no-dashboard leaves it out)");
    }
    chosen = new Set(COMPONENTS.filter((c) => chosen.has(c)));
    ctx.components = [...chosen];
    if (chosen.has("dashboard")) {
      ctx.dashboard = requireDashboard(found);
      ctx.access = await askAccess(ctx, before);
    }
    ctx.packageManager = await askSelect<PackageManager>(
      ctx,
      Q.packageManager,
      PACKAGE_MANAGERS.map((p) => ({ value: p, label: p })),
      ctx.packageManager,
    );
    ctx.ui.info(`${ctx.components.join(" + ")} → ${ctx.dir} (Worker "${ctx.worker}", ${ctx.packageManager})`);
  },
};
