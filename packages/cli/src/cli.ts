/**
 * Command-line parsing and dispatch. `runCli` takes argv, environment and
 * services so tests can run it in-process; `main.ts` wires the real ones.
 */
import { parseArgs } from "node:util";
import type { CommandContext } from "./command-context.js";
import { createProject, listKeys, listProjects, retireKeysCommand, rotateKeys, token } from "./commands/projects.js";
import { destroy } from "./commands/destroy.js";
import { setup } from "./commands/setup.js";
import { upgrade } from "./commands/upgrade.js";
import { CliError } from "./errors.js";
import { ENV } from "./sources.js";

/** Every flag the CLI accepts. */
export const OPTIONS = {
  local: { type: "boolean" },
  "state-dir": { type: "string" },
  dir: { type: "string" },
  yes: { type: "boolean", short: "y" },
  wrangler: { type: "string" },
  "show-secrets": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  "account-id": { type: "string" },
  name: { type: "string" },
  components: { type: "string" },
  "package-manager": { type: "string" },
  deploy: { type: "string" },
  "no-deploy": { type: "boolean" },
  dashboard: { type: "boolean" },
  "no-dashboard": { type: "boolean" },
  "access-team-domain": { type: "string" },
  "access-aud": { type: "string" },
  "dashboard-spec": { type: "string" },
  project: { type: "string" },
  url: { type: "string" },
  subdomain: { type: "string" },
  "server-spec": { type: "string" },
  "wrangler-spec": { type: "string" },
  scope: { type: "string" },
  streams: { type: "string" },
  ttl: { type: "string" },
  sub: { type: "string" },
  kid: { type: "string" },
  confirm: { type: "string" },
} as const;

/** The usage text. */
export const USAGE = `durable-streams-edge <command> [options]

Commands
  setup                          wizard: preflight, components, provision KV/R2/Queues,
                                 scaffold a workspace, deploy, first project and token
  upgrade [--dir <workspace>]    re-run setup on a workspace with its recorded answers: new
                                 bindings provisioned, new Durable Object migrations deployed in order
  destroy [--dir <workspace>] [--yes | --confirm true]
                                 delete the dashboard and server Workers, queues, KV namespaces
                                 and R2 buckets setup created (asks first)
  create-project <name>          a project with a generated signing key; prints a write token
  token <project> --scope read|write|manage [--streams <p,...>] [--ttl 1h] [--sub id] [--kid k]
                                 prints a token (stdout only: TOKEN=$(... token ...))
  projects list                  project names
  keys list <project>            key ids and dates (never secrets)
  keys rotate <project>          add a key that signs new tokens; old keys stay valid
  keys retire <project> [--kid k] [--confirm true|false]
                                 remove a key (default: every key but the newest); asks first

Where projects live
  --local                        the local dev state (what \`pnpm dev\` serves); no account needed
  --state-dir <dir>              local state directory (${ENV.stateDir}; default packages/server/.wrangler/state)
  --dir <workspace>              the workspace setup created (DS_EDGE_DIR; default: current directory);
                                 its account is the one setup recorded unless --account-id is given

Setup answers (each also from its environment variable; --yes accepts the defaults)
  --account-id <id>              CLOUDFLARE_ACCOUNT_ID
  --components server,proxy,dashboard DS_EDGE_COMPONENTS (default: server; a re-run: as recorded)
  --dashboard, --no-dashboard    DS_EDGE_DASHBOARD=true|false: add or leave out the dashboard Worker
  --access-team-domain <host>    DS_EDGE_ACCESS_TEAM_DOMAIN: Cloudflare Access team domain the
                                 dashboard checks (<team>.cloudflareaccess.com; empty: not yet)
  --access-aud <tag>             DS_EDGE_ACCESS_AUD: the Access application's AUD tag
  --name <worker>                DS_EDGE_NAME (default: durable-streams-edge)
  --dir <dir>                    DS_EDGE_DIR (default: ./<worker>)
  --package-manager npm|pnpm|yarn DS_EDGE_PACKAGE_MANAGER (default: the one running the CLI)
  --deploy true|false, --no-deploy DS_EDGE_DEPLOY (default: true)
  --project <name>               DS_EDGE_PROJECT (default: app)
  --url <base url>               DS_EDGE_URL (the Worker's URL when wrangler does not print it)
  --subdomain <name>             DS_EDGE_SUBDOMAIN: register this workers.dev subdomain if the
                                 account has none (needs CLOUDFLARE_API_TOKEN)
  --server-spec <spec>           ${ENV.serverSpec}: the workspace's server dependency (default: ^<version>)
  --wrangler-spec <spec>         ${ENV.wranglerSpec}: the workspace's wrangler dependency
  --dashboard-spec <spec>        ${ENV.dashboardSpec}: the workspace's dashboard dependency

Other
  -y, --yes                      accept defaults, never prompt (${ENV.yes}=1)
  --show-secrets                 print the ADMIN_TOKEN and new signing secrets (hidden by default)
  --wrangler <path>              wrangler to run (${ENV.wrangler}; default: the one installed with the CLI)
  -h, --help, --version

Exit codes: 0 done or cancelled, 1 failed (the message says what to do next), 2 usage error.`;

/** Parsed command line. */
export interface ParsedArgs {
  readonly words: string[];
  readonly flags: Record<string, string | boolean | undefined>;
}

/** Parses argv (without node and script); usage errors throw CliError. */
export function parseCli(argv: readonly string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { words: positionals, flags: values as Record<string, string | boolean | undefined> };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A command line that does not parse (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, "see durable-streams-edge --help");
    this.name = "UsageError";
  }
}

type Command = (ctx: CommandContext) => Promise<void>;

/** The command a list of words names, and its remaining positional arguments. */
export function commandOf(words: readonly string[]): { run: Command; args: string[]; quiet: boolean } {
  const [a, b, ...rest] = words;
  const two = (run: Command, quiet = false) => ({ run, args: rest, quiet });
  const one = (run: Command, quiet = false) => ({ run, args: words.slice(1), quiet });
  if (a === "setup") return one(setup);
  if (a === "upgrade") return one(upgrade);
  if (a === "destroy") return one(destroy);
  if (a === "create-project") return one(createProject);
  if (a === "token") return one(token, true);
  if (a === "projects" && b === "list") return two(listProjects, true);
  if (a === "keys" && b === "list") return two(listKeys, true);
  if (a === "keys" && b === "rotate") return two(rotateKeys);
  if (a === "keys" && b === "retire") return two(retireKeysCommand);
  throw new UsageError(a === undefined ? "no command given" : `unknown command: ${words.join(" ")}`);
}
