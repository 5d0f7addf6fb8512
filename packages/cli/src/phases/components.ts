/**
 * Step 2: what to set up and where — components (the server always; the
 * nginx proxy files; the dashboard once it exists), the Worker's name, the
 * workspace directory and the package manager that installs it.
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { askMulti, askSelect, askText } from "../ask.js";
import { PACKAGE_MANAGERS, type PackageManager } from "../install.js";
import { checkWorkspaceDir, type Component } from "../scaffold.js";
import type { Phase } from "../setup-context.js";
import { Q } from "../sources.js";

/** Worker names: lowercase letters, digits and dashes (short enough to prefix resource names). */
export function workerNameProblem(name: string): string | undefined {
  return /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(name)
    ? undefined
    : "use 1-40 lowercase letters, digits and dashes, not starting or ending with a dash";
}

/** True when the dashboard package is installed next to the CLI. */
function dashboardAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve("@durable-streams-edge/dashboard/package.json");
    return true;
  } catch {
    return false;
  }
}

/** The components phase. */
export const components: Phase = {
  title: "Choose components",
  async run(ctx) {
    const dashboard = dashboardAvailable();
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
