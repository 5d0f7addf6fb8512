/**
 * `destroy`: removes what setup created for a workspace — the dashboard
 * Worker, the server Worker (with its Durable Objects' data), its queues, KV
 * namespaces and R2 buckets —
 * after a confirmation (`--yes` or `--confirm true` answer it in CI). Each
 * deletion treats "already gone" as done, so a destroy that stopped half-way
 * (a non-empty bucket, a network error) is finished by running it again.
 */
import { resolve } from "node:path";
import { askConfirm } from "../ask.js";
import { setting, type CommandContext } from "../command-context.js";
import { CliError } from "../errors.js";
import { preflight } from "../phases/preflight.js";
import type { SetupContext } from "../setup-context.js";
import { Q } from "../sources.js";
import { failure, type WranglerCall } from "../wrangler.js";
import { readDeployedState, type WorkspaceState } from "../workspace-state.js";
import { setupContext } from "./setup.js";

/** wrangler's words for a resource that does not exist (Worker, bucket, namespace, queue). */
const GONE = /does not exist|not found|\[code: (?:10007|10006|10013|11000)\]/i;
const NOT_EMPTY = /not empty|\[code: 10008\]/i;

/** One thing to delete. */
interface Deletion {
  readonly label: string;
  readonly call: WranglerCall;
}

/** What to delete, Worker first so nothing writes to the resources while they go. */
export function deletions(state: WorkspaceState, dir: string): Deletion[] {
  const hint = "fix the problem above, then run destroy again (what is already gone is skipped)";
  const d = (label: string, args: string[]): Deletion => ({
    label,
    call: { args, cwd: dir, hint, allowFailure: true },
  });
  // The dashboard first: its service binding to the server makes wrangler refuse to delete the server.
  const dash = state.dashboard
    ? [d(`dashboard Worker ${state.dashboard.worker}`, ["delete", "--name", state.dashboard.worker])]
    : [];
  return [
    ...dash,
    d(`Worker ${state.worker} (and every stream stored in its Durable Objects)`, ["delete", "--name", state.worker]),
    ...state.resources.queues.map((q) => d(`queue ${q.name}`, ["queues", "delete", q.name])),
    ...state.resources.kv
      .filter((k) => k.id)
      .map((k) =>
        d(`KV namespace ${k.title} (${k.id}, project configs)`, ["kv", "namespace", "delete", "--namespace-id", k.id!]),
      ),
    ...state.resources.r2.map((b) =>
      d(`R2 bucket ${b.bucket} (sealed segments)`, ["r2", "bucket", "delete", b.bucket]),
    ),
  ];
}

async function confirmed(ctx: SetupContext): Promise<boolean> {
  const given = ctx.flags[Q.destroy.flag] ?? ctx.env[Q.destroy.env];
  if (given === undefined && !ctx.yes && !ctx.ui.interactive) {
    throw new CliError(
      "destroy needs a confirmation (no terminal to ask in)",
      "pass --yes or --confirm true to delete all of this",
    );
  }
  // --yes confirms; at a prompt the default is no.
  return askConfirm(ctx, Q.destroy, ctx.yes);
}

/** Runs destroy. */
export async function destroy(ctx: CommandContext): Promise<void> {
  const dir = resolve(setting(ctx, "dir", Q.dir.env) ?? ".");
  const state = readDeployedState(dir, "destroy");
  const s = setupContext({
    ...ctx,
    flags: { ...(state.accountId ? { "account-id": state.accountId } : {}), ...ctx.flags },
  });
  ctx.ui.intro(`durable-streams-edge destroy: ${state.worker}`);
  ctx.ui.step(1, 2, preflight.title);
  await preflight.run(s);
  const todo = deletions(state, dir);
  ctx.ui.step(2, 2, "Delete");
  ctx.ui.note(todo.map((t) => `- ${t.label}`).join("\n"), `This deletes, in account ${s.accountId}:`);
  if (!(await confirmed(s))) {
    ctx.ui.warn("Nothing was deleted");
    return;
  }
  const left: string[] = [];
  for (const t of todo) {
    const r = await s.wrangler.run(t.call);
    const text = r.stderr + r.stdout;
    if (r.code === 0) ctx.ui.success(`deleted ${t.label}`);
    else if (GONE.test(text)) ctx.ui.info(`already gone: ${t.label}`);
    else if (NOT_EMPTY.test(text)) left.push(`${t.label} is not empty: delete its objects first (dashboard → R2)`);
    else left.push(failure(t.call, r).message);
  }
  if (left.length > 0) {
    throw new CliError(
      `destroy did not finish:\n${left.join("\n")}`,
      "fix that, then run destroy again (what is already gone is skipped)",
    );
  }
  ctx.ui.outro(`Deleted. The workspace ${dir} is left as it was (setup there deploys it again).`);
}
