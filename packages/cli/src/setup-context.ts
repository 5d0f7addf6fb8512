/**
 * The one object the setup phases share: the answers so far, what was
 * created, and the services (ui, wrangler, installer) they act through.
 */
import type { ProjectConfig } from "@durable-streams-edge/server/node";
import type { AskContext } from "./ask.js";
import type { CliError } from "./errors.js";
import type { AccessSettings, DashboardPackage } from "./dashboard.js";
import type { Installer, PackageManager } from "./install.js";
import type { Resources } from "./resources.js";
import type { Component } from "./scaffold.js";
import type { ServerPackage } from "./server-package.js";
import type { Wrangler } from "./wrangler.js";

/** The state of a setup run. */
export interface SetupContext extends AskContext {
  readonly findDashboard?: () => DashboardPackage | undefined;
  readonly buildDashboard?: (dash: DashboardPackage, pm: string) => Promise<void>;
  /** Replaced by an account-bound runner once preflight has chosen the account. */
  wrangler: Wrangler;
  readonly server: ServerPackage;
  readonly install: Installer;
  readonly local: boolean;
  /** Local mode: the wrangler state directory (`--persist-to`). */
  readonly stateDir: string;
  readonly now: () => Date;
  /** Print secrets (the ADMIN_TOKEN) instead of saying where they are. */
  readonly showSecrets: boolean;
  /** Dependency specs written into the workspace's package.json (server: default by package manager). */
  readonly specs: { readonly server?: string; readonly dashboard?: string; readonly wrangler: string };

  accountId?: string;
  worker: string;
  /** Absolute path of the workspace. */
  dir: string;
  components: Component[];
  packageManager: PackageManager;
  resources?: Resources;
  files: string[];
  adminToken?: string;
  deployed: boolean;
  /** Base URL of the Worker. */
  url?: string;
  /** The dashboard package, when the dashboard is chosen, and its Access settings. */
  dashboard?: DashboardPackage;
  access?: AccessSettings;
  dashboardDeployed: boolean;
  dashboardUrl?: string;
  /** Why the dashboard's deploy failed after the server's succeeded; the command ends with it. */
  dashboardError?: CliError;
  project?: { config: ProjectConfig; created: boolean; token: string; ttlSeconds: number };
}

/** One step of the wizard. */
export interface Phase {
  readonly title: string;
  run(ctx: SetupContext): Promise<void>;
}

/** Runs the phases in order, announcing "Step n of N". */
export async function runPhases(ctx: SetupContext, phases: readonly Phase[]): Promise<void> {
  for (const [i, phase] of phases.entries()) {
    ctx.ui.step(i + 1, phases.length, phase.title);
    await phase.run(ctx);
  }
}
