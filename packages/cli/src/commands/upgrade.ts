/**
 * `upgrade`: re-runs setup on an existing workspace with the answers it
 * recorded — same Worker, account, components and package manager — so a
 * newer server package's bindings are provisioned and its new Durable Object
 * migrations are deployed, in order. Projects, KV, R2 and the ADMIN_TOKEN
 * are reused as they are; nothing is deleted.
 */
import { resolve } from "node:path";
import { askConfirm } from "../ask.js";
import { setting, type CommandContext } from "../command-context.js";
import { CliError } from "../errors.js";
import { lossyClasses, pendingMigrations } from "../migrations.js";
import { components } from "../phases/components.js";
import { deploy } from "../phases/deploy.js";
import { preflight } from "../phases/preflight.js";
import { provision } from "../phases/provision.js";
import { scaffoldWorkspace } from "../phases/scaffold-workspace.js";
import { summary } from "../phases/summary.js";
import { runPhases, type Phase } from "../setup-context.js";
import { Q } from "../sources.js";
import { readDeployedState, type WorkspaceState } from "../workspace-state.js";
import { setupContext } from "./setup.js";

/** Shows the migrations the deploy will apply; asks before any that drops stored data. */
function migrationsPhase(state: WorkspaceState): Phase {
  return {
    title: "Durable Object migrations",
    async run(ctx) {
      const pending = pendingMigrations(ctx.server.config, state.migrationTag);
      const from = state.migrationTag ? `deployed: ${state.migrationTag}` : "none deployed yet";
      if (pending.length === 0) {
        ctx.ui.info(`No new Durable Object migrations (${from})`);
        return;
      }
      ctx.ui.info(`Applies ${pending.map((m) => m.tag).join(", ")} in this order (${from})`);
      const lossy = lossyClasses(pending);
      if (lossy.length === 0) return;
      ctx.ui.warn(`These migrations remove or move stored Durable Object data: ${lossy.join(", ")}`);
      if (!(await askConfirm(ctx, Q.upgradeLossy, false))) {
        throw new CliError(
          "Upgrade stopped before deploying: nothing was deployed",
          "review the migrations above, then pass --confirm true to apply them",
        );
      }
    },
  };
}

/** Runs the upgrade. */
export async function upgrade(ctx: CommandContext): Promise<void> {
  const dir = resolve(setting(ctx, "dir", Q.dir.env) ?? ".");
  const state = readDeployedState(dir, "upgrade");
  // The recorded answers; a flag given on this command line still wins.
  const recorded: Record<string, string> = {
    name: state.worker,
    dir,
    components: state.components.join(","),
    deploy: "true",
    ...(state.accountId ? { "account-id": state.accountId } : {}),
    ...(state.packageManager ? { "package-manager": state.packageManager } : {}),
    ...(state.dashboard
      ? { "access-team-domain": state.dashboard.accessTeamDomain, "access-aud": state.dashboard.accessAud }
      : {}),
  };
  const s = setupContext({ ...ctx, flags: { ...recorded, ...ctx.flags, name: state.worker, dir } });
  ctx.ui.intro(`durable-streams-edge upgrade: ${state.worker} (server ${state.server} → ${ctx.server.version})`);
  await runPhases(s, [preflight, components, provision, scaffoldWorkspace, migrationsPhase(state), deploy, summary]);
  if (s.dashboardError) throw s.dashboardError;
  ctx.ui.outro("Upgraded. Projects, tokens and stored streams are as they were.");
}
