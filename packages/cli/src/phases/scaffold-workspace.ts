/**
 * Step 4: writes the deployable workspace (scaffold.ts), keeps the admin
 * token of an earlier run, and installs its dependencies.
 */
import { randomBytes } from "node:crypto";
import { defaultDashboardSpec } from "../dashboard.js";
import { CliError } from "../errors.js";
import { defaultServerSpec } from "../server-package.js";
import {
  STATE_FILE,
  SECRETS_FILE,
  checkWorkspaceDir,
  savedAdminToken,
  scaffoldFiles,
  writeScaffold,
} from "../scaffold.js";
import type { Phase } from "../setup-context.js";
import { writeState } from "../workspace-state.js";

/** The scaffold phase. */
export const scaffoldWorkspace: Phase = {
  title: "Scaffold the workspace",
  async run(ctx) {
    if (!ctx.resources) throw new CliError("internal: resources were not provisioned");
    const state = checkWorkspaceDir(ctx.dir);
    ctx.adminToken = savedAdminToken(ctx.dir) ?? randomBytes(32).toString("base64url");
    const input = {
      worker: ctx.worker,
      server: ctx.server,
      serverSpec: ctx.specs.server ?? defaultServerSpec(ctx.server, ctx.packageManager),
      wranglerSpec: ctx.specs.wrangler,
      resources: ctx.resources,
      components: ctx.components,
      local: ctx.local,
      ...(ctx.dashboard
        ? {
            dashboard: {
              config: ctx.dashboard.config,
              spec: ctx.specs.dashboard ?? defaultDashboardSpec(ctx.dashboard, ctx.packageManager),
              access: ctx.access ?? { teamDomain: "", aud: "" },
            },
          }
        : {}),
    };
    ctx.files = writeScaffold(ctx.dir, scaffoldFiles(input, { adminToken: ctx.adminToken }), ctx.components);
    writeState(ctx);
    ctx.files.push(STATE_FILE);
    ctx.ui.success(`${state === "existing" ? "updated" : "wrote"} ${ctx.files.join(", ")}`);
    ctx.ui.info(
      ctx.showSecrets
        ? `ADMIN_TOKEN=${ctx.adminToken}`
        : `root ADMIN_TOKEN kept in ${SECRETS_FILE} (gitignored; --show-secrets prints it)`,
    );
    await ctx.install(ctx.dir, ctx.packageManager);
  },
};
