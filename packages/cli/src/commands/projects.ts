/**
 * Project and token commands: `create-project`, `token`, `projects list`,
 * `keys list|rotate|retire`. They act on the local dev state (`--local`) or
 * on the deployed KV namespace of the workspace in `--dir` (default: here).
 */
import { SCOPES, parseScope, type ProjectConfig } from "@durable-streams-edge/server/node";
import { askConfirm } from "../ask.js";
import { enabled, setting, type CommandContext } from "../command-context.js";
import { parseDuration } from "../duration.js";
import { CliError } from "../errors.js";
import { ProjectStore } from "../project-store.js";
import { newProject, retireKeys, rotateKey, signingKey } from "../projects.js";
import { ENV, Q } from "../sources.js";
import { resolveTarget, type Target } from "../target.js";
import { mintFor } from "../tokens.js";
import { readStateIfAny } from "../workspace-state.js";

function targetOf(ctx: CommandContext): Target {
  return resolveTarget(
    {
      local: enabled(ctx, "local"),
      stateDir: setting(ctx, "state-dir", ENV.stateDir),
      dir: setting(ctx, "dir", Q.dir.env),
    },
    ctx.server,
  );
}

/**
 * The deployed workspace's account, as setup recorded it, unless --account-id /
 * CLOUDFLARE_ACCOUNT_ID say otherwise: with several accounts, wrangler would
 * otherwise ask (or fail in CI) which one holds the namespace.
 */
function accountOf(ctx: CommandContext, target: Target): string | undefined {
  const given = setting(ctx, "account-id", "CLOUDFLARE_ACCOUNT_ID");
  if (given !== undefined || target.kind === "local") return given;
  return readStateIfAny(target.cwd)?.accountId ?? undefined;
}

function storeOf(ctx: CommandContext): { store: ProjectStore; target: Target } {
  const target = targetOf(ctx);
  const account = accountOf(ctx, target);
  const wrangler = account === undefined ? ctx.wrangler : ctx.wrangler.withAccount(account);
  return { store: new ProjectStore(wrangler, target), target };
}

function projectArg(ctx: CommandContext, usage: string): string {
  const name = ctx.args[0];
  if (!name) throw new CliError("Which project?", `usage: ${usage}`);
  return name;
}

/** How soon a running server sees a change to an existing project. */
const PROPAGATION =
  "a running server sees changes to an existing project within PROJECT_CACHE_TTL_MS (30 s by default; plus KV propagation when deployed)";

function where(t: Target): string {
  return t.kind === "local" ? `local state ${t.stateDir}` : `KV namespace ${t.namespaceId}`;
}

/** `create-project <name>`: a new project with a generated key, and a write token for it. */
export async function createProject(ctx: CommandContext): Promise<void> {
  const name = projectArg(ctx, "create-project <name> [--local]");
  const { store, target } = storeOf(ctx);
  if (await store.get(name)) {
    throw new CliError(
      `Project "${name}" already exists in ${where(target)}`,
      `mint a token instead: token ${name} --scope write`,
    );
  }
  const config = await newProject(name, ctx.now());
  await store.put(config);
  const key = signingKey(config);
  ctx.ui.success(`Created project "${name}" in ${where(target)} (signing key ${key.kid})`);
  if (enabled(ctx, "show-secrets")) ctx.ui.info(`HS256 secret of ${key.kid}: ${key.secret}`);
  const ttl = parseDuration(setting(ctx, "ttl") ?? "1h");
  const token = await mintFor(config, { scope: "write", ttlSeconds: ttl, sub: setting(ctx, "sub") ?? "cli" });
  ctx.ui.info(`A write token for "${name}" (expires in ${ttl} s):`);
  ctx.ui.result(token);
}

/** `token <project> --scope read|write|manage [--streams p] [--ttl d] [--sub s] [--kid k]`. */
export async function token(ctx: CommandContext): Promise<void> {
  const usage = "token <project> --scope read|write|manage [--streams <pattern>] [--ttl <duration>]";
  const name = projectArg(ctx, usage);
  const rawScope = setting(ctx, "scope");
  if (rawScope === undefined) throw new CliError("--scope is required", `usage: ${usage}`);
  const scope = parseScope(rawScope);
  if (scope === null || scope !== rawScope) throw new CliError(`--scope must be one of ${SCOPES.join(", ")}`);
  const raw = ctx.flags.streams;
  const streams = typeof raw === "string" ? raw.split(",").map((s) => s.trim()) : undefined;
  const ttlSeconds = parseDuration(setting(ctx, "ttl") ?? "1h");
  const kid = setting(ctx, "kid");
  const { store } = storeOf(ctx);
  const config = await store.require(name);
  const t = await mintFor(config, {
    scope,
    ttlSeconds,
    sub: setting(ctx, "sub") ?? "cli",
    ...(streams ? { streams } : {}),
    ...(kid ? { kid } : {}),
  });
  const expires = new Date(ctx.now().getTime() + ttlSeconds * 1000).toISOString();
  ctx.ui.info(`${scope} token for "${name}"${streams ? ` on ${streams.join(", ")}` : ""}, expires ${expires}`);
  ctx.ui.result(t);
}

/** `projects list`: project names, one per line. */
export async function listProjects(ctx: CommandContext): Promise<void> {
  const { store, target } = storeOf(ctx);
  const names = await store.list();
  ctx.ui.info(`${names.length} project${names.length === 1 ? "" : "s"} in ${where(target)}`);
  for (const n of names) ctx.ui.result(n);
}

function keyLines(config: ProjectConfig): string[] {
  const newest = config.keys.filter((k) => k.alg === "HS256").at(-1);
  return config.keys.map((k) => `${k.kid}\t${k.alg}\t${k.createdAt}${k === newest ? "\tsigns new tokens" : ""}`);
}

/** `keys list <project>`: key ids, algorithms and dates (never secrets). */
export async function listKeys(ctx: CommandContext): Promise<void> {
  const name = projectArg(ctx, "keys list <project>");
  const config = await storeOf(ctx).store.require(name);
  for (const line of keyLines(config)) ctx.ui.result(line);
}

/** `keys rotate <project>`: adds a key that signs from now on; older keys stay valid until retired. */
export async function rotateKeys(ctx: CommandContext): Promise<void> {
  const name = projectArg(ctx, "keys rotate <project>");
  const { store } = storeOf(ctx);
  const { config, key } = await rotateKey(await store.require(name), ctx.now());
  await store.put(config);
  ctx.ui.success(`Added key ${key.kid} to "${name}"; the CLI signs new tokens with it`);
  if (enabled(ctx, "show-secrets")) ctx.ui.info(`HS256 secret of ${key.kid}: ${key.secret}`);
  ctx.ui.info(`Older keys stay valid until \`keys retire ${name}\`; ${PROPAGATION}`);
  ctx.ui.result(key.kid);
}

/** `keys retire <project> [--kid k]`: removes a key, or every key but the newest. */
export async function retireKeysCommand(ctx: CommandContext): Promise<void> {
  const name = projectArg(ctx, "keys retire <project> [--kid <kid>]");
  const { store } = storeOf(ctx);
  const current = await store.require(name);
  const { config, retired } = retireKeys(current, setting(ctx, "kid"), ctx.now());
  if (retired.length === 0) {
    ctx.ui.info(`"${name}" has only its newest key; nothing to retire`);
    return;
  }
  ctx.ui.info(`Retiring ${retired.join(", ")} of "${name}" (keeping ${config.keys.map((k) => k.kid).join(", ")})`);
  if (!(await askConfirm(ctx, Q.retire, true))) {
    ctx.ui.warn(`Kept ${retired.join(", ")}: nothing changed (tokens they signed keep working)`);
    return;
  }
  await store.put(config);
  ctx.ui.success(`Retired ${retired.join(", ")}: tokens they signed stop working; ${PROPAGATION}`);
  for (const kid of retired) ctx.ui.result(kid);
}
