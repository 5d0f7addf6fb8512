import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { apiErrorCodes, apiProblem } from "./api-errors.js";
import { destroy, deletions } from "./commands/destroy.js";
import { upgrade } from "./commands/upgrade.js";
import { audProblem, dashboardConfig, normalizeTeamDomain, requireDashboard, teamDomainProblem } from "./dashboard.js";
import { CliError } from "./errors.js";
import { lossyClasses, pendingMigrations } from "./migrations.js";
import { STATE_FILE } from "./scaffold.js";
import { ScriptedUi, WranglerRecorder, commandContext, fakeServer } from "./testing.js";
import type { WorkspaceState } from "./workspace-state.js";

const MIGRATIONS = [
  { tag: "v1", new_sqlite_classes: ["A"] },
  { tag: "v2", new_sqlite_classes: ["B"] },
  { tag: "v3", deleted_classes: ["A"], renamed_classes: [{ from: "B", to: "C" }] },
];

describe("API failures in wrangler's output", () => {
  test("auth, quota and missing subdomain are recognised; anything else is left to wrangler's words", () => {
    const auth =
      "✘ [ERROR] A request to the Cloudflare API (/memberships) failed.\n  Authentication error [code: 10000]";
    expect(apiErrorCodes(auth)).toEqual([10000]);
    expect(apiProblem(auth)?.kind).toBe("auth");
    expect(apiProblem("You have exceeded the maximum number of buckets [code: 10005]")?.kind).toBe("quota");
    expect(apiProblem("or register a workers.dev subdomain here:\nhttps://dash.cloudflare.com/x")?.kind).toBe(
      "no-subdomain",
    );
    expect(apiProblem("Some other failure [code: 7003]")).toBeUndefined();
  });
});

describe("migrations", () => {
  test("pending after the deployed tag, in order; all when the tag is unknown; lossy ones named", () => {
    const config = { migrations: MIGRATIONS };
    expect(pendingMigrations(config, "v1").map((m) => m.tag)).toEqual(["v2", "v3"]);
    expect(pendingMigrations(config, "v3")).toEqual([]);
    expect(pendingMigrations(config, undefined).map((m) => m.tag)).toEqual(["v1", "v2", "v3"]);
    expect(pendingMigrations(config, "gone").map((m) => m.tag)).toEqual(["v1", "v2", "v3"]);
    expect(lossyClasses(MIGRATIONS.slice(0, 2))).toEqual([]);
    expect(lossyClasses(MIGRATIONS)).toEqual(["A (deleted in v3)", "B → C (renamed in v3)"]);
  });
});

describe("dashboard", () => {
  test("not available without its package; its config binds the server Worker and carries the Access vars", () => {
    expect(() => requireDashboard(undefined)).toThrow(/dashboard is not available/);
    const found = { dir: "/d", version: "1.0.0", config: { name: "dash" } };
    expect(requireDashboard(found)).toBe(found);
    const pkg = {
      name: "dash",
      main: "src/worker/index.ts",
      assets: { directory: "./dist", binding: "ASSETS", run_worker_first: true },
      services: [{ binding: "SERVER", service: "old", entrypoint: "AdminApi" }],
      vars: { ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: "", DASHBOARD_OPEN: "true" },
    };
    const cfg = dashboardConfig(pkg, "streams", { teamDomain: "team.cloudflareaccess.com", aud: "ab".repeat(32) });
    expect(cfg.name).toBe("streams-dashboard");
    expect(cfg.main).toBe("../node_modules/@durable-streams-edge/dashboard/src/worker/index.ts");
    expect(cfg.assets).toEqual({
      directory: "../node_modules/@durable-streams-edge/dashboard/dist",
      binding: "ASSETS",
      run_worker_first: true,
    });
    expect(cfg.services).toEqual([{ binding: "SERVER", service: "streams", entrypoint: "AdminApi" }]);
    // Never open: without Access it serves its "Access not configured" page.
    expect(cfg.vars).toEqual({
      ACCESS_TEAM_DOMAIN: "team.cloudflareaccess.com",
      ACCESS_AUD: "ab".repeat(32),
      DASHBOARD_OPEN: "false",
    });
  });

  test("Access settings: a pasted URL becomes the host; bad values are named", () => {
    expect(normalizeTeamDomain(" https://Team.cloudflareaccess.com/ ")).toBe("team.cloudflareaccess.com");
    expect(teamDomainProblem("team.cloudflareaccess.com")).toBeUndefined();
    expect(teamDomainProblem("")).toBeUndefined();
    expect(teamDomainProblem("team/x")).toMatch(/host name only/);
    expect(audProblem("ab".repeat(32))).toBeUndefined();
    expect(audProblem("not-an-aud")).toMatch(/AUD/);
  });

  test("destroy deletes the dashboard Worker before the server Worker", () => {
    const state = {
      worker: "s",
      accountId: "a",
      local: false,
      components: ["server", "dashboard"],
      server: "1",
      resources: { kv: [], r2: [], queues: [] },
      dashboard: { worker: "s-dashboard", accessTeamDomain: "", accessAud: "", deployed: true },
      updatedAt: "",
    } satisfies WorkspaceState;
    expect(deletions(state, "/w").map((d) => d.call.args.join(" "))).toEqual([
      "delete --name s-dashboard",
      "delete --name s",
    ]);
  });
});

function workspaceWith(state: Partial<WorkspaceState> | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), "ds-edge-ws-"));
  if (state) writeFileSync(join(dir, STATE_FILE), JSON.stringify(state));
  return dir;
}

const STATE: WorkspaceState = {
  worker: "w",
  accountId: "acc",
  local: false,
  components: ["server"],
  server: "0.1.0",
  resources: {
    kv: [{ binding: "PROJECTS", title: "w-projects", id: "k1" }],
    r2: [{ binding: "SEGMENTS", bucket: "w-segments" }],
    queues: [{ source: "q", name: "w-q" }],
  },
  updatedAt: "2026-01-01T00:00:00.000Z",
};

describe("upgrade and destroy", () => {
  test("need a deployed workspace: none, or a --local one, fails saying what to do", async () => {
    for (const run of [upgrade, destroy]) {
      const none = workspaceWith(undefined);
      const ctx = commandContext({ wrangler: new WranglerRecorder([]), ui: new ScriptedUi(), flags: { dir: none } });
      await expect(run(ctx)).rejects.toThrow(/not a workspace setup created/);
      const local = workspaceWith({ ...STATE, local: true });
      const ctx2 = commandContext({ wrangler: new WranglerRecorder([]), ui: new ScriptedUi(), flags: { dir: local } });
      await expect(run(ctx2)).rejects.toThrow(/set up with --local/);
    }
  });

  test("destroy deletes the Worker first, then queues, KV and R2; without a terminal it needs --yes", async () => {
    expect(deletions(STATE, "/ws").map((d) => d.call.args.join(" "))).toEqual([
      "delete --name w",
      "queues delete w-q",
      "kv namespace delete --namespace-id k1",
      "r2 bucket delete w-segments",
    ]);
    const dir = workspaceWith(STATE);
    const w = new WranglerRecorder([
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", stdout: JSON.stringify({ loggedIn: true, accounts: [{ id: "acc", name: "A" }] }) },
    ]);
    const err = await destroy(commandContext({ wrangler: w, ui: new ScriptedUi(), flags: { dir } })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).hint).toMatch(/--yes or --confirm true/);
    expect(w.commands).toEqual(["--version", "whoami --json"]);
    // At a prompt, "no" deletes nothing.
    const ui = new ScriptedUi({ destroy: false }, true);
    await destroy(commandContext({ wrangler: w, ui, flags: { dir } }));
    expect(ui.output).toContain("Nothing was deleted");
    expect(w.calls.filter((c) => c.cmd.includes("delete"))).toEqual([]);
  });

  test("upgrade names migrations that drop stored data and deploys them only with --confirm true", async () => {
    const server = fakeServer({
      durable_objects: { bindings: [{ name: "STREAMS", class_name: "StreamDO" }] },
      migrations: [
        { tag: "v1", new_sqlite_classes: ["StreamDO", "Old"] },
        { tag: "v2", deleted_classes: ["Old"] },
      ],
    });
    const dir = workspaceWith({
      ...STATE,
      resources: { kv: STATE.resources.kv, r2: [], queues: [] },
      migrationTag: "v1",
    });
    const replies = () => [
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", stdout: JSON.stringify({ loggedIn: true, accounts: [{ id: "acc", name: "A" }] }) },
      { cmd: "kv namespace list", stdout: JSON.stringify([{ id: "k1", title: "w-projects" }]) },
      { cmd: "deploy --secrets-file", stdout: "https://w.sub.workers.dev" },
    ];
    const w = new WranglerRecorder(replies());
    const ui = new ScriptedUi();
    const err = await upgrade(commandContext({ wrangler: w, ui, server, yes: true, flags: { dir } })).catch(
      (e: unknown) => e,
    );
    expect((err as CliError).message).toMatch(/stopped before deploying/);
    expect(ui.output).toContain("Applies v2 in this order (deployed: v1)");
    expect(ui.output).toContain("Old (deleted in v2)");
    expect(w.commands.some((c) => c.startsWith("deploy"))).toBe(false);

    const w2 = new WranglerRecorder(replies());
    const flags = { dir, confirm: "true" };
    await upgrade(commandContext({ wrangler: w2, ui: new ScriptedUi(), server, yes: true, flags }));
    expect(w2.commands.filter((c) => c.startsWith("deploy"))).toEqual(["deploy --secrets-file .secrets.env"]);
    expect(w2.calls.find((c) => c.cmd.startsWith("deploy"))?.account).toBe("acc");
  });
});
