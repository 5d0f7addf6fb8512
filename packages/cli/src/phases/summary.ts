/**
 * Step 7: what exists now, what it costs to leave running, and how to
 * remove it. Prices: Cloudflare list prices as in docs/benchmarks.md.
 */
import { relative } from "node:path";
import { dashboardWorker } from "../dashboard.js";
import { SECRETS_FILE } from "../scaffold.js";
import type { Phase, SetupContext } from "../setup-context.js";
import { defaultStateDir } from "../target.js";

const row = (label: string, value: string) => `${label.padEnd(11)}${value}`;

/**
 * Advice for a Worker served from `*.workers.dev` (or from a URL we do not
 * know): the Workers Cache API does nothing there, so history chunks are never
 * reused across requests; a custom domain makes them so.
 */
export function cacheAdvice(url: string | undefined, dir: string): string[] {
  if (url !== undefined && !/\.workers\.dev(?::\d+)?(?:\/|$)/i.test(url)) return [];
  return [
    "",
    "Caching: on *.workers.dev the Workers Cache API does nothing (cache.put and cache.match are no-ops),",
    "so every catch-up read of a stream's history reaches its Durable Object or R2; only identical reads in",
    "flight at once in one isolate are collapsed. When collapsing matters (many readers of the same streams),",
    "serve the Worker from a custom domain on a zone in your account: add",
    '  "routes": [{ "pattern": "streams.example.com", "custom_domain": true }]',
    `to ${dir}/wrangler.jsonc, run npm run deploy there, and re-run setup with --url https://streams.example.com.`,
  ];
}

/**
 * How the dashboard is protected: it verifies Cloudflare Access's JWT on
 * every request, so until Access is set up it shows "Access not configured".
 */
export function accessAdvice(ctx: SetupContext, rel: string): string[] {
  const host = ctx.dashboardUrl?.replace(/^https:\/\//, "") ?? `${dashboardWorker(ctx.worker)}.<subdomain>.workers.dev`;
  if (ctx.access?.teamDomain) {
    return [
      `Dashboard access: only requests that Cloudflare Access (${ctx.access.teamDomain}) let through, with a JWT`,
      "for the Access application whose AUD tag you gave, are served. Manage who may sign in under Zero Trust → Access.",
    ];
  }
  return [
    'Dashboard access: not configured yet, so the dashboard shows "Access not configured" and serves nothing.',
    "Protect it with Cloudflare Access: in the Cloudflare dashboard, Workers & Pages → " + dashboardWorker(ctx.worker),
    "→ Settings → Domains & Routes → workers.dev → enable Cloudflare Access (or Zero Trust → Access → Applications",
    `→ add a self-hosted application for ${host}), allow the people who may administer it, copy the`,
    "application's AUD tag and your team domain (<team>.cloudflareaccess.com), then run",
    `  durable-streams-edge upgrade --dir ${rel} --access-team-domain <team>.cloudflareaccess.com --access-aud <AUD tag>`,
  ];
}

/** Lines describing what a run left behind. */
export function summaryLines(ctx: SetupContext): string[] {
  const res = ctx.resources;
  const rel = relative(process.cwd(), ctx.dir) || ".";
  const lines: string[] = [];
  if (ctx.local) {
    lines.push(row("Workspace", `${rel} (bundles; run setup without --local to deploy it)`));
    lines.push(row("State", ctx.stateDir));
  } else {
    lines.push(row("Workspace", `${rel} (${SECRETS_FILE} holds the ADMIN_TOKEN; gitignored)`));
    const where = ctx.deployed
      ? `at ${ctx.url ?? "(URL not shown by wrangler)"}`
      : "(not deployed yet: npm run deploy)";
    lines.push(row("Worker", `${ctx.worker} ${where}`));
    if (ctx.dashboard) {
      const at = ctx.dashboardDeployed
        ? `at ${ctx.dashboardUrl ?? "(URL not shown by wrangler)"}`
        : ctx.dashboardError
          ? "(not deployed: see below; re-run setup to deploy it)"
          : "(not deployed yet)";
      lines.push(row("Dashboard", `${dashboardWorker(ctx.worker)} ${at}`));
    }
    for (const r of res?.created ?? []) lines.push(row("created", r));
    for (const r of res?.reused ?? []) lines.push(row("reused", r));
    lines.push(...cacheAdvice(ctx.deployed ? ctx.url : undefined, rel));
  }
  if (ctx.project)
    lines.push(row("Project", `${ctx.project.config.name} (${ctx.project.created ? "created" : "existing"})`));
  if (ctx.local) {
    lines.push("", "Run it:", `  cd ${rel} && npx wrangler dev --persist-to ${ctx.stateDir}`);
    if (ctx.stateDir === defaultStateDir(ctx.server)) lines.push("  or, in the repository: pnpm dev (same state)");
  } else {
    lines.push(
      "",
      "Cost of leaving it running: nothing while idle beyond your plan (Workers Free: $0; Workers Paid: $5/month minimum).",
      "Use is billed per request and per GB stored: Worker requests $0.30/M, Durable Object requests $0.15/M,",
      "SQLite storage $0.20/GB-month over 5 GB, R2 $0.015/GB-month over 10 GB (list prices of 2026-11-22;",
      "check Cloudflare's pricing pages). Workloads and their monthly cost: docs/benchmarks.md in the repository.",
      ...(ctx.dashboard ? ["", ...accessAdvice(ctx, rel)] : []),
      "",
      "To remove everything (asks first): durable-streams-edge destroy --dir " + rel + ", or by hand:",
      ...(ctx.dashboard ? [`  npx wrangler delete --name ${dashboardWorker(ctx.worker)}`] : []),
      `  npx wrangler delete --name ${ctx.worker}`,
      ...(res?.kv ?? []).map((k) => `  npx wrangler kv namespace delete --namespace-id ${k.id ?? "<id>"}`),
      ...(res?.r2 ?? []).map((b) => `  npx wrangler r2 bucket delete ${b.bucket}`),
      ...(res?.queues ?? []).map((q) => `  npx wrangler queues delete ${q.name}`),
    );
  }
  return lines;
}

/** The summary phase. */
export const summary: Phase = {
  title: "Summary",
  async run(ctx) {
    // Unframed, so the commands copy and paste cleanly.
    ctx.ui.success("What was set up:");
    ctx.ui.raw(`\n${summaryLines(ctx).join("\n")}\n`);
  },
};
