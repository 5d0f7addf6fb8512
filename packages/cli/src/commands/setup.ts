/**
 * `setup`: the wizard. preflight → components → provision → scaffold →
 * deploy → first project → summary, over one context object.
 */
import { resolve } from "node:path";
import { enabled, setting, type CommandContext } from "../command-context.js";
import { detectPackageManager } from "../install.js";
import { components } from "../phases/components.js";
import { deploy } from "../phases/deploy.js";
import { firstProject } from "../phases/first-project.js";
import { preflight } from "../phases/preflight.js";
import { provision } from "../phases/provision.js";
import { scaffoldWorkspace } from "../phases/scaffold-workspace.js";
import { summary } from "../phases/summary.js";
import { runPhases, type Phase, type SetupContext } from "../setup-context.js";
import { ENV } from "../sources.js";
import { defaultStateDir } from "../target.js";

/** The wizard's phases, in order. */
export const SETUP_PHASES: readonly Phase[] = [
  preflight,
  components,
  provision,
  scaffoldWorkspace,
  deploy,
  firstProject,
  summary,
];

/** The setup context for a command run (exported for tests). */
export function setupContext(ctx: CommandContext): SetupContext {
  const local = enabled(ctx, "local");
  const flags = { ...ctx.flags };
  const serverSpec = setting(ctx, "server-spec", ENV.serverSpec);
  const dashboardSpec = setting(ctx, "dashboard-spec", ENV.dashboardSpec);
  if (flags["no-deploy"] === true) flags.deploy = "false";
  return {
    ...ctx,
    flags,
    local,
    stateDir: resolve(setting(ctx, "state-dir", ENV.stateDir) ?? defaultStateDir(ctx.server)),
    showSecrets: enabled(ctx, "show-secrets"),
    specs: {
      ...(serverSpec ? { server: serverSpec } : {}),
      ...(dashboardSpec ? { dashboard: dashboardSpec } : {}),
      wrangler: setting(ctx, "wrangler-spec", ENV.wranglerSpec) ?? "4.86.0",
    },
    worker: "durable-streams-edge",
    dir: "",
    components: ["server"],
    packageManager: detectPackageManager(ctx.env.npm_config_user_agent),
    files: [],
    deployed: false,
    dashboardDeployed: false,
  };
}

/** Runs the wizard. */
export async function setup(ctx: CommandContext): Promise<void> {
  const s = setupContext(ctx);
  ctx.ui.intro(`durable-streams-edge setup${s.local ? " (local)" : ""}`);
  await runPhases(s, SETUP_PHASES);
  if (s.dashboardError) throw s.dashboardError;
  ctx.ui.outro(
    s.local ? "Local setup done." : s.deployed ? "Deployed. Happy streaming!" : "Set up; deploy when ready.",
  );
}
