/**
 * Step 2: what to set up and where — components (the server always; the
 * nginx proxy files; the dashboard once it exists), the Worker's name, the
 * workspace directory and the package manager that installs it.
 */
import { resolve } from "node:path";
import { askMulti, askSelect, askText } from "../ask.js";
import { PACKAGE_MANAGERS, type PackageManager } from "../install.js";
import { checkWorkspaceDir, type Component } from "../scaffold.js";
import { dashboardPackage, requireDashboard } from "../dashboard.js";
import type { Phase, SetupContext } from "../setup-context.js";
import { Q } from "../sources.js";

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

/** The components phase. */
export const components: Phase = {
  title: "Choose components",
  async run(ctx) {
    const dashboard = dashboardPackage() !== undefined;
    // Asked for by flag while it cannot be chosen: say so, rather than "not one of".
    if (dashboardAsked(ctx)) requireDashboard();
    const picked = await askMulti<Component>(
      ctx,
      Q.components,
      [
        { value: "server", label: "Server", hint: "the Worker and its Durable Objects (always included)" },
        { value: "proxy", label: "Proxy files", hint: "nginx CDN origin config in proxy/" },
        {
          value: "dashboard",
          label: "Dashboard",
          hint: dashboard ? "admin UI Worker" : "not available yet",
          disabled: !dashboard,
        },
      ],
      ["server"],
    );
    if (picked.includes("dashboard")) requireDashboard();
    ctx.components = ["server", ...picked.filter((c) => c !== "server")];
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
    ctx.packageManager = await askSelect<PackageManager>(
      ctx,
      Q.packageManager,
      PACKAGE_MANAGERS.map((p) => ({ value: p, label: p })),
      ctx.packageManager,
    );
    ctx.ui.info(`${ctx.components.join(" + ")} → ${ctx.dir} (Worker "${ctx.worker}", ${ctx.packageManager})`);
  },
};
