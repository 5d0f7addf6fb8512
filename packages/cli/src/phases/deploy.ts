/**
 * Step 5: deploys the workspace with its secrets (`wrangler deploy
 * --secrets-file`) and finds the Worker's URL. Local mode builds the same
 * bundle with `--dry-run`, which proves the workspace deploys. The
 * dashboard, when chosen, is deployed after the server (dashboard-deploy.ts).
 */
import { askConfirm, askText } from "../ask.js";
import { SECRETS_FILE } from "../scaffold.js";
import { apiProblem } from "../api-errors.js";
import { CliError } from "../errors.js";
import type { ExecResult } from "../exec.js";
import type { Phase, SetupContext } from "../setup-context.js";
import { registerSubdomain, subdomainProblem } from "../subdomain.js";
import { failure } from "../wrangler.js";
import { writeState } from "../workspace-state.js";
import { ENV, Q } from "../sources.js";
import { deployDashboard } from "./dashboard-deploy.js";

const DEPLOY_HINT =
  "fix the problem above, then re-run setup (it reuses what exists) or run `npm run deploy` in the workspace";

/** The workers.dev URL wrangler printed, if any (custom domains are asked for or given with --url). */
export function deployedUrl(stdout: string): string | undefined {
  return /https:\/\/[a-z0-9.-]+\.workers\.dev\b/i.exec(stdout)?.[0];
}

/**
 * `wrangler deploy`; an account without a workers.dev subdomain makes it
 * fail without a terminal (it would prompt): with --subdomain the CLI
 * registers one and deploys again, else it says how to go on.
 */
async function deployWithSubdomain(ctx: SetupContext): Promise<ExecResult> {
  const call = { args: ["deploy", "--secrets-file", SECRETS_FILE], cwd: ctx.dir, hint: DEPLOY_HINT };
  const r = await ctx.wrangler.run({ ...call, allowFailure: true });
  if (r.code === 0) return r;
  const sub = ctx.flags[Q.subdomain.flag] ?? ctx.env[Q.subdomain.env];
  if (
    apiProblem(r.stderr + r.stdout)?.kind !== "no-subdomain" ||
    typeof sub !== "string" ||
    sub === "" ||
    !ctx.accountId
  ) {
    throw failure(call, r);
  }
  const problem = subdomainProblem(sub);
  if (problem)
    throw new CliError(`--subdomain "${sub}" is not valid: ${problem}`, "fix --subdomain / DS_EDGE_SUBDOMAIN");
  await ctx.ui.spin(`register ${sub}.workers.dev`, () => registerSubdomain(ctx.env, ctx.accountId!, sub));
  ctx.ui.success(`registered the workers.dev subdomain ${sub} for this account`);
  return ctx.wrangler.run(call);
}

/** The deploy phase. */
export const deploy: Phase = {
  title: "Deploy",
  async run(ctx) {
    if (ctx.local) {
      await ctx.wrangler.run({ args: ["deploy", "--dry-run", "--outdir", "dist"], cwd: ctx.dir, hint: DEPLOY_HINT });
      ctx.ui.success("The workspace bundles (wrangler deploy --dry-run); local mode deploys nothing");
      await deployDashboard(ctx);
      const given = ctx.flags.url ?? ctx.env[ENV.url];
      ctx.url = typeof given === "string" && given !== "" ? given.replace(/\/+$/, "") : "http://127.0.0.1:8787";
      return;
    }
    if (!(await askConfirm(ctx, Q.deploy, true))) {
      ctx.ui.warn("Not deployed: run `npm run deploy` in the workspace when ready");
      return;
    }
    const r = await deployWithSubdomain(ctx);
    ctx.deployed = true;
    // --url (a custom domain) wins; else the workers.dev URL; else ask.
    const given = ctx.flags.url ?? ctx.env[ENV.url];
    const url =
      typeof given === "string" && given !== "" ? given : (deployedUrl(r.stdout) ?? (await askText(ctx, Q.url, "")));
    ctx.url = url.replace(/\/+$/, "") || undefined;
    ctx.ui.success(`Deployed${ctx.url ? ` to ${ctx.url}` : ""}`);
    // The deployed Worker now carries the last migration of the config it was built from.
    writeState(ctx, { migrationTag: ctx.server.config.migrations?.at(-1)?.tag });
    // Only now: the dashboard's service binding needs the server Worker to exist.
    await deployDashboard(ctx);
  },
};
