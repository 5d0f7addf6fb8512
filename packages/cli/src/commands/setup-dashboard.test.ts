import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { DashboardPackage } from "../dashboard.js";
import { CliError } from "../errors.js";
import { parseJsonc } from "../jsonc.js";
import { ScriptedUi, WranglerRecorder, commandContext, recordingInstaller, type Reply } from "../testing.js";
import type { WorkspaceState } from "../workspace-state.js";
import { setup } from "./setup.js";

const ACCOUNT = "a".repeat(32);
const KV_ID = "f".repeat(32);
const WHOAMI = JSON.stringify({ loggedIn: true, email: "me@example.com", accounts: [{ id: ACCOUNT, name: "Me" }] });
const AUD = "ab".repeat(32);

/** A dashboard package in a temporary directory (as a source checkout: setup builds it). */
function fakeDashboard(): DashboardPackage {
  const dir = mkdtempSync(join(tmpdir(), "ds-edge-dash-"));
  mkdirSync(join(dir, "dist"));
  writeFileSync(join(dir, "dist", "index.html"), "<!doctype html>");
  return {
    dir,
    version: "0.1.0",
    config: {
      name: "durable-streams-dashboard",
      main: "src/worker/index.ts",
      assets: { directory: "./dist", binding: "ASSETS", run_worker_first: true },
      services: [{ binding: "SERVER", service: "durable-streams-edge", entrypoint: "AdminApi" }],
      vars: { ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: "", DASHBOARD_OPEN: "false" },
    },
  };
}

function replies(dashboardDeploy: Reply = { cmd: "deploy -c", stdout: "https://streams-dashboard.me.workers.dev\n" }) {
  return [
    { cmd: "--version", stdout: "4.86.0\n" },
    { cmd: "whoami --json", stdout: WHOAMI },
    { cmd: "kv namespace list", stdout: JSON.stringify([{ id: KV_ID, title: "streams-projects" }]) },
    { cmd: "deploy --secrets-file .secrets.env", stdout: "https://streams.me.workers.dev\n" },
    dashboardDeploy,
  ];
}

describe("setup with the dashboard (wrangler recorded)", () => {
  test("builds it, deploys it after the server with its binding and Access vars; re-runs keep or drop it", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ds-edge-setup-")), "ws");
    const dash = fakeDashboard();
    const builds: string[] = [];
    const kv = new Map<string, string>();
    const run = async (flags: Record<string, string | boolean>, r = replies()) => {
      const w = new WranglerRecorder(r, { kv });
      const ui = new ScriptedUi();
      const ctx = commandContext({
        wrangler: w,
        ui,
        yes: true,
        flags: { name: "streams", dir, ...flags },
        install: recordingInstaller(),
        findDashboard: () => dash,
        buildDashboard: async (d) => void builds.push(d.dir),
      });
      const error = await setup(ctx).then(
        () => undefined,
        (e: unknown) => e as CliError,
      );
      const state = JSON.parse(readFileSync(join(dir, "durable-streams-edge.json"), "utf8")) as WorkspaceState;
      return { w, ui, error, state };
    };
    const deploys = (w: WranglerRecorder) => w.commands.filter((c) => c.startsWith("deploy"));

    // Chosen with --dashboard, without Access: deployed after the server, never open.
    const first = await run({ dashboard: true });
    expect(first.error).toBeUndefined();
    expect(deploys(first.w)).toEqual(["deploy --secrets-file .secrets.env", "deploy -c dashboard/wrangler.jsonc"]);
    expect(builds).toEqual([dash.dir]);
    const cfg = parseJsonc(readFileSync(join(dir, "dashboard", "wrangler.jsonc"), "utf8")) as Record<string, unknown>;
    expect(cfg.name).toBe("streams-dashboard");
    expect(cfg.services).toEqual([{ binding: "SERVER", service: "streams", entrypoint: "AdminApi" }]);
    expect(cfg.vars).toEqual({ ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: "", DASHBOARD_OPEN: "false" });
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: object };
    expect(pkg.dependencies).toMatchObject({ "@durable-streams-edge/dashboard": `file:${dash.dir}` });
    expect(first.ui.output).toContain('the dashboard shows "Access not configured"');
    expect(first.ui.output).toContain("--access-team-domain <team>.cloudflareaccess.com --access-aud <AUD tag>");
    expect(first.state.dashboard).toEqual({
      worker: "streams-dashboard",
      accessTeamDomain: "",
      accessAud: "",
      deployed: true,
      url: "https://streams-dashboard.me.workers.dev",
    });

    // A re-run with the defaults keeps it; Access given now is written into its vars.
    const access = { "access-team-domain": "https://team.cloudflareaccess.com", "access-aud": AUD };
    const second = await run(access);
    expect(second.ui.output).toContain("dashboard: kept from the earlier setup");
    expect(deploys(second.w)).toHaveLength(2);
    const vars = (parseJsonc(readFileSync(join(dir, "dashboard", "wrangler.jsonc"), "utf8")) as { vars: object }).vars;
    expect(vars).toEqual({ ACCESS_TEAM_DOMAIN: "team.cloudflareaccess.com", ACCESS_AUD: AUD, DASHBOARD_OPEN: "false" });
    expect(second.ui.output).toContain(
      "Dashboard access: only requests that Cloudflare Access (team.cloudflareaccess.com)",
    );

    // A failed dashboard deploy: the server is deployed, the project created, the run ends with exit 1 and says so.
    const failed = await run({}, replies({ cmd: "deploy -c", stderr: "✘ [ERROR] injected [code: 10194]", code: 1 }));
    expect(failed.error?.message).toMatch(
      /^The server Worker streams is deployed, but the dashboard Worker streams-dashboard is not: wrangler deploy -c dashboard\/wrangler.jsonc failed/,
    );
    expect(failed.error?.hint).toMatch(/re-run setup/);
    expect(failed.w.commands.some((c) => c.startsWith("kv key get project:app"))).toBe(true);
    expect(failed.ui.output).toContain("Dashboard  streams-dashboard (not deployed: see below");

    // --no-dashboard leaves it out, but the record stays so destroy still removes the deployed Worker.
    const third = await run({ "no-dashboard": true });
    expect(deploys(third.w)).toEqual(["deploy --secrets-file .secrets.env"]);
    expect(third.state.components).toEqual(["server"]);
    expect(third.state.dashboard).toMatchObject({ worker: "streams-dashboard", deployed: true });
  });

  test("Access needs both the team domain and the AUD tag; a bad value is named before anything changes", async () => {
    const flags = { name: "streams", dir: join(mkdtempSync(join(tmpdir(), "ds-edge-setup-")), "ws"), dashboard: true };
    const go = async (extra: Record<string, string>) => {
      const w = new WranglerRecorder(replies());
      const ctx = commandContext({ wrangler: w, ui: new ScriptedUi(), yes: true, flags: { ...flags, ...extra } });
      const err = await setup({ ...ctx, findDashboard: () => fakeDashboard() }).catch((e: unknown) => e as CliError);
      return { err, w };
    };
    const one = await go({ "access-aud": AUD });
    expect(one.err?.message).toMatch(/Access settings need both the team domain and the AUD tag/);
    expect(one.w.commands).toEqual(["--version", "whoami --json"]);
    const bad = await go({ "access-team-domain": "team.cloudflareaccess.com", "access-aud": "nope" });
    expect(bad.err?.message).toMatch(/AUD tag .*"nope" is not valid/);
  });
});
