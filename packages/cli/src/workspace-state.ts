/**
 * The workspace's record of what setup chose and created
 * (durable-streams-edge.json, no secrets). `upgrade` re-runs from it and
 * `destroy` removes what it lists.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dashboardWorker } from "./dashboard.js";
import { CliError } from "./errors.js";
import type { PackageManager } from "./install.js";
import type { KvResource, QueueResource, R2Resource } from "./resources.js";
import { STATE_FILE, type Component } from "./scaffold.js";
import type { SetupContext } from "./setup-context.js";

/** What the state file holds. */
export interface WorkspaceState {
  readonly worker: string;
  readonly accountId: string | null;
  readonly local: boolean;
  readonly components: Component[];
  readonly packageManager?: PackageManager;
  /** Server package version of the last scaffold. */
  readonly server: string;
  readonly resources: { kv: KvResource[]; r2: R2Resource[]; queues: QueueResource[] };
  /** Tag of the last Durable Object migration deployed (absent: never deployed). */
  readonly migrationTag?: string;
  readonly url?: string;
  /** The dashboard Worker, once chosen; kept while it may be deployed, so destroy removes it. */
  readonly dashboard?: DashboardRecord;
  readonly updatedAt: string;
}

/** What the state file records of the dashboard (the AUD tag is not a secret). */
export interface DashboardRecord {
  readonly worker: string;
  readonly accessTeamDomain: string;
  readonly accessAud: string;
  /** Whether a deploy of it succeeded. */
  readonly deployed: boolean;
  readonly url?: string;
}

/** The dashboard record for this run: the chosen one, or the earlier one while it may still run. */
function dashboardRecord(ctx: SetupContext, before: WorkspaceState | undefined): DashboardRecord | undefined {
  const earlier = before?.dashboard;
  if (!ctx.components.includes("dashboard")) return earlier?.deployed ? earlier : undefined;
  const url = ctx.dashboardUrl ?? earlier?.url;
  return {
    worker: dashboardWorker(ctx.worker),
    accessTeamDomain: ctx.access?.teamDomain ?? "",
    accessAud: ctx.access?.aud ?? "",
    deployed: ctx.dashboardDeployed || earlier?.deployed === true,
    ...(url ? { url } : {}),
  };
}

/** Writes the state of a setup run (keeping the deployed tag until a deploy replaces it). */
export function writeState(ctx: SetupContext, deployed?: { migrationTag?: string }): void {
  const before = readStateIfAny(ctx.dir);
  const dash = dashboardRecord(ctx, before);
  const state: WorkspaceState = {
    worker: ctx.worker,
    accountId: ctx.accountId ?? null,
    local: ctx.local,
    components: ctx.components,
    packageManager: ctx.packageManager,
    server: ctx.server.version,
    resources: { kv: ctx.resources?.kv ?? [], r2: ctx.resources?.r2 ?? [], queues: ctx.resources?.queues ?? [] },
    ...(deployed ? deployed : before?.migrationTag ? { migrationTag: before.migrationTag } : {}),
    ...((ctx.url ?? before?.url) ? { url: ctx.url ?? before?.url } : {}),
    ...(dash ? { dashboard: dash } : {}),
    updatedAt: ctx.now().toISOString(),
  };
  writeFileSync(join(ctx.dir, STATE_FILE), JSON.stringify(state, null, 2) + "\n");
}

/** The state in `dir`, or undefined when there is none. */
export function readStateIfAny(dir: string): WorkspaceState | undefined {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as WorkspaceState;
  } catch {
    throw new CliError(`${path} is not valid JSON`, "restore it from version control, or re-run setup");
  }
}

/** The state of a deployed workspace in `dir`; fails with what to do when there is none. */
export function readDeployedState(dir: string, command: string): WorkspaceState {
  const state = readStateIfAny(dir);
  if (!state) {
    throw new CliError(
      `No ${STATE_FILE} in ${dir}: not a workspace setup created`,
      `run ${command} in the workspace (or pass --dir <workspace>); create one with setup`,
    );
  }
  if (state.local) {
    throw new CliError(
      `${dir} was set up with --local; there is nothing deployed to ${command}`,
      "re-run setup --local to refresh it, or setup without --local to deploy",
    );
  }
  return state;
}
