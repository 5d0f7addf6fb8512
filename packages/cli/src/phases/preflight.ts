/**
 * Step 1: wrangler runs, the user is logged in (`wrangler whoami --json`),
 * and one account is chosen: CLOUDFLARE_ACCOUNT_ID / --account-id, the only
 * account, or a prompt among several. Local mode needs no account.
 */
import { apiProblem } from "../api-errors.js";
import { askSelect } from "../ask.js";
import { CliError } from "../errors.js";
import type { Phase, SetupContext } from "../setup-context.js";
import { Q } from "../sources.js";

interface WhoAmI {
  loggedIn?: boolean;
  email?: string;
  accounts?: { id: string; name: string }[];
}

const LOGIN_HINT =
  "run `npx wrangler login`, or for CI set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID); or try everything locally with --local";

async function chooseAccount(ctx: SetupContext, who: WhoAmI): Promise<string> {
  const accounts = who.accounts ?? [];
  const given = ctx.flags[Q.account.flag] ?? ctx.env[Q.account.env];
  if (typeof given === "string" && given !== "") {
    if (accounts.length > 0 && !accounts.some((a) => a.id === given)) {
      throw new CliError(
        `Account ${given} is not one of yours (${accounts.map((a) => `${a.name} ${a.id}`).join(", ")})`,
        "fix --account-id / CLOUDFLARE_ACCOUNT_ID",
      );
    }
    return given;
  }
  if (accounts.length === 0) {
    // Account-scoped API tokens may not list accounts: the id must then be given.
    throw new CliError(
      "wrangler whoami lists no account for this login",
      "pass --account-id or set CLOUDFLARE_ACCOUNT_ID to your account id (dashboard → Workers & Pages → Account ID)",
    );
  }
  if (accounts.length === 1) return accounts[0]!.id;
  const options = accounts.map((a) => ({ value: a.id, label: a.name, hint: a.id }));
  // No default among several accounts: --yes alone must not guess.
  return askSelect(ctx, Q.account, options, undefined);
}

/** The preflight phase. */
export const preflight: Phase = {
  title: "Preflight",
  async run(ctx) {
    const v = await ctx.wrangler.run({
      args: ["--version"],
      hint: "install wrangler (npm i -D wrangler) or point --wrangler / DS_EDGE_WRANGLER at it",
    });
    ctx.ui.info(`wrangler ${v.stdout.trim().split("\n").pop()}`);
    if (ctx.local) {
      ctx.ui.info(`Local mode: no Cloudflare account needed; state in ${ctx.stateDir}`);
      return;
    }
    const r = await ctx.wrangler.run({ args: ["whoami", "--json"], allowFailure: true });
    let who: WhoAmI = {};
    try {
      who = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as WhoAmI;
    } catch {
      who = {};
    }
    // A token the API refuses is not "not logged in": say which.
    const problem = r.code === 0 ? undefined : apiProblem(r.stderr + r.stdout);
    if (problem) throw new CliError(problem.message, problem.hint);
    if (r.code !== 0 || who.loggedIn !== true) throw new CliError("You are not logged in to Cloudflare", LOGIN_HINT);
    const accountId = await chooseAccount(ctx, who);
    const name = who.accounts?.find((a) => a.id === accountId)?.name;
    ctx.accountId = accountId;
    ctx.wrangler = ctx.wrangler.withAccount(accountId);
    ctx.ui.success(
      `Logged in${who.email ? ` as ${who.email}` : ""}; account ${name ? `${name} (${accountId})` : accountId}`,
    );
  },
};
