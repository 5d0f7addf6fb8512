/**
 * `setup`, `upgrade` and `destroy` end to end: the built CLI runs the real
 * wrangler 4.86 against the Cloudflare API double on loopback
 * (CLOUDFLARE_API_BASE_URL), with CLOUDFLARE_API_TOKEN / CLOUDFLARE_ACCOUNT_ID
 * as in CI. The account has no workers.dev subdomain and more KV namespaces
 * than one list page; the first run hits an account limit; the run that
 * deploys adds the dashboard, whose deploy fails once after the server's.
 * Each step builds on the account and workspace the previous one left.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startCloudflareApi, type CloudflareApiDouble } from "./support/cf-api/server.js";
import { addBucket, addKv, addQueue, assetFiles, type Script } from "./support/cf-api/state.js";
import {
  RUN_MS,
  TEST_MS,
  apiEnv,
  builtAssets,
  expectedBindings,
  expectedDashboardBindings,
  serverConfig,
  uploadedBindings,
} from "./support/cf-env.js";
import { offlineInstall, runCli, type CliRun } from "./support/cli.js";

const WORKER = "streams";
const DASHBOARD = `${WORKER}-dashboard`;
const ACCESS = { teamDomain: "acme.cloudflareaccess.com", aud: "0a1b2c3d".repeat(8) };
const config = serverConfig();
const migrations = config.migrations ?? [];
const root = mkdtempSync(join(tmpdir(), "ds-edge-cf-e2e-"));
const dir = join(root, "ws");
let api: CloudflareApiDouble;

const setupArgs = ["setup", "--yes", "--name", WORKER, "--dir", dir, ...offlineInstall().flags];
const cli = (args: readonly string[]) => runCli(args, apiEnv(api), undefined, RUN_MS);
const out = (r: CliRun) => r.stdout + r.stderr;
const script = (): Script => api.state.scripts.get(WORKER)!;
const dashboard = (): Script | undefined => api.state.scripts.get(DASHBOARD);
const assetUploads = () => api.count("POST", /\/workers\/assets\/upload$/);
/** The dashboard's last upload binds SERVER to this server's AdminApi, has the Access vars, and its assets are the built ones. */
function expectDashboardDeployed(): void {
  const d = dashboard()!;
  expect(d.workersDev).toBe(true);
  expect(uploadedBindings(d.uploads.at(-1)!.bindings ?? [])).toEqual(expectedDashboardBindings(WORKER, ACCESS));
  expect(d.uploads.at(-1)!.assets).toMatchObject({ config: { run_worker_first: true } });
  expect(assetFiles(api.state, d)).toEqual(builtAssets());
  expect(builtAssets().has("/index.html")).toBe(true);
}
const kvId = (title: string) => [...api.state.kv.values()].find((n) => n.title === title)?.id ?? "(missing)";
const adminToken = () => /^ADMIN_TOKEN=(\S+)$/m.exec(readFileSync(join(dir, ".secrets.env"), "utf8"))![1]!;
const creates = () => ({
  kv: api.count("POST", /\/storage\/kv\/namespaces$/),
  r2: api.count("POST", /\/r2\/buckets$/),
  queues: api.count("POST", /\/queues$/),
});
const stateFile = () =>
  JSON.parse(readFileSync(join(dir, "durable-streams-edge.json"), "utf8")) as Record<string, unknown>;
const projectsNs = () => [...api.state.kv.values()].find((n) => n.title === `${WORKER}-projects`)!;

beforeAll(async () => {
  api = await startCloudflareApi({ subdomain: null });
  // Others' resources: KV spans several list pages (page size 2), R2 and queues too.
  for (const t of ["alpha", "beta", "gamma", "delta", "epsilon"]) addKv(api.state, `other-${t}`);
  for (const b of ["other-a", "other-b", "other-c"]) addBucket(api.state, b);
  for (const q of ["other-q1", "other-q2", "other-q3"]) addQueue(api.state, q);
});
afterAll(async () => {
  await api.close();
  rmSync(root, { recursive: true, force: true });
});

describe("setup / upgrade / destroy against the Cloudflare API double", { timeout: TEST_MS }, () => {
  test("an account limit stops the first run with a clear message; nothing is left that the next run cannot finish", async () => {
    api.faults.push({
      method: "POST",
      path: /\/r2\/buckets$/,
      status: 400,
      code: 10005,
      message: "You have exceeded the maximum number of buckets allowed (limit of 1000)",
      times: 1,
    });
    const r = await cli(setupArgs);
    expect(r.code, out(r)).toBe(1);
    expect(r.stderr).toContain("A Cloudflare account limit was reached");
    expect(r.stderr).toMatch(/→ delete unused .*re-run/);
    expect(creates()).toEqual({ kv: 1, r2: 1, queues: 0 });
  });

  test("no workers.dev subdomain: the deploy stops without a prompt and says how to go on", async () => {
    const r = await cli(setupArgs);
    expect(r.code, out(r)).toBe(1);
    expect(r.stderr).toContain("This account has no workers.dev subdomain");
    expect(r.stderr).toContain("--subdomain <name>");
    // The namespace of the first run was found, not created again.
    expect(creates()).toEqual({ kv: 1, r2: 2, queues: 1 });
    expect(api.state.subdomain).toBeNull();
  });

  test("--subdomain registers it; the Worker gets exactly the server's bindings, migrations, vars and secret; the dashboard's failed deploy is named and exits 1", async () => {
    // The dashboard's script upload fails once, after the server's deploy succeeded.
    api.faults.push({
      method: "PUT",
      path: new RegExp(`/workers/scripts/${DASHBOARD}$`),
      status: 400,
      code: 10194,
      message: "injected upload failure",
      times: 1,
    });
    const access = ["--access-team-domain", `https://${ACCESS.teamDomain}/`, "--access-aud", ACCESS.aud];
    const r = await cli([...setupArgs, "--subdomain", "acme-test", "--dashboard", ...access]);
    expect(r.code, out(r)).toBe(1);
    expect(r.stderr).toContain(
      `The server Worker ${WORKER} is deployed, but the dashboard Worker ${DASHBOARD} is not: wrangler deploy -c dashboard/wrangler.jsonc failed`,
    );
    expect(r.stderr).toContain("injected upload failure [code: 10194]");
    expect(r.stderr).toMatch(/→ .*re-run setup/);
    expect(dashboard()?.uploads ?? []).toEqual([]);
    // Its assets went up before the failed upload (the next run sends none again).
    expect(api.state.assetStore.size).toBe(builtAssets().size);
    expect(api.unknown).toEqual([]);
    expect(api.state.subdomain).toBe("acme-test");
    expect(r.stdout).toContain(`Deployed to https://${WORKER}.acme-test.workers.dev`);

    const s = script();
    expect(s.workersDev).toBe(true);
    const last = s.uploads.at(-1)!;
    expect(uploadedBindings(last.bindings ?? [])).toEqual(
      expectedBindings(config, WORKER, { kv: kvId, adminToken: adminToken() }),
    );
    // The first upload that created the Durable Objects ran every migration, in order.
    const first = s.uploads.find((u) => u.migrations)!;
    expect(first.migrations).toEqual({
      new_tag: migrations.at(-1)!.tag,
      steps: migrations.map(({ tag: _tag, ...step }) => step),
    });
    expect(s.migrationTag).toBe(migrations.at(-1)!.tag);
    expect(last.compatibility_date).toBe(config.compatibility_date);
    expect(last.compatibility_flags).toEqual(config.compatibility_flags ?? []);
    expect(s.secrets.get("ADMIN_TOKEN")).toBe(adminToken());
    expect(out(r)).not.toContain(adminToken());
    // Queue consumers the server declares are attached to this Worker.
    for (const c of config.queues?.consumers ?? []) {
      const q = [...api.state.queues.values()].find((x) => x.queue_name === `${WORKER}-${c.queue}`)!;
      expect(q.consumers.map((x) => x.script)).toEqual([WORKER]);
    }
    // The first project is stored in the PROJECTS namespace.
    expect(JSON.parse(projectsNs().values.get("project:app")!.toString())).toMatchObject({ name: "app" });
    expect(stateFile().migrationTag).toBe(migrations.at(-1)!.tag);
    expect(stateFile().dashboard).toEqual({
      worker: DASHBOARD,
      accessTeamDomain: ACCESS.teamDomain,
      accessAud: ACCESS.aud,
      deployed: false,
    });
  });

  test("a re-run reuses every resource, the project and the ADMIN_TOKEN, and finishes the dashboard with the recorded Access settings", async () => {
    const before = { creates: creates(), token: adminToken(), project: projectsNs().values.get("project:app")! };
    const uploads = script().uploads.length;
    const sent = assetUploads();
    const r = await cli(setupArgs);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain("dashboard: kept from the earlier setup");
    expect(r.stdout).toContain(`Deployed the dashboard to https://${DASHBOARD}.acme-test.workers.dev`);
    expect(r.stdout).toContain(`Dashboard access: only requests that Cloudflare Access (${ACCESS.teamDomain})`);
    expectDashboardDeployed();
    expect(assetUploads()).toBe(sent);
    expect(dashboard()!.uploads.length).toBe(1);
    expect(stateFile().dashboard).toMatchObject({ worker: DASHBOARD, deployed: true });
    expect(creates()).toEqual(before.creates);
    expect(r.stdout).toContain('found project "app" (reused; its keys are unchanged)');
    expect(r.stdout).toContain(`reused     KV namespace ${WORKER}-projects`);
    expect(script().uploads.length).toBe(uploads + 1);
    expect(script().uploads.at(-1)!.migrations).toBeUndefined();
    expect(script().secrets.get("ADMIN_TOKEN")).toBe(before.token);
    expect(projectsNs().values.get("project:app")!.equals(before.project)).toBe(true);
    expect(api.unknown).toEqual([]);
  });

  test("upgrade from a Worker on the first migration applies the newer ones in order, loses nothing, redeploys the dashboard", async () => {
    expect(migrations.length).toBeGreaterThan(1);
    // As if the deployed Worker came from a server version that had only the first migration.
    script().migrationTag = migrations[0]!.tag;
    writeFileSync(
      join(dir, "durable-streams-edge.json"),
      JSON.stringify({ ...stateFile(), migrationTag: migrations[0]!.tag }),
    );
    const before = { creates: creates(), token: adminToken(), project: projectsNs().values.get("project:app")! };
    const deletes = api.received.filter((x) => x.method === "DELETE").length;

    const r = await cli(["upgrade", "--dir", dir]);
    expect(r.code, out(r)).toBe(0);
    // The dashboard is redeployed with the same binding, vars and assets.
    expect(dashboard()!.uploads.length).toBe(2);
    expectDashboardDeployed();
    const rest = migrations.slice(1);
    expect(r.stdout).toContain(`Applies ${rest.map((m) => m.tag).join(", ")} in this order`);
    expect(script().uploads.at(-1)!.migrations).toEqual({
      old_tag: migrations[0]!.tag,
      new_tag: migrations.at(-1)!.tag,
      steps: rest.map(({ tag: _tag, ...step }) => step),
    });
    expect(script().migrationTag).toBe(migrations.at(-1)!.tag);
    expect(stateFile().migrationTag).toBe(migrations.at(-1)!.tag);
    // Nothing lost: no deletion, no new resource, same secret, same project config.
    expect(api.received.filter((x) => x.method === "DELETE").length).toBe(deletes);
    expect(creates()).toEqual(before.creates);
    expect(script().secrets.get("ADMIN_TOKEN")).toBe(before.token);
    expect(projectsNs().values.get("project:app")!.equals(before.project)).toBe(true);
    expect(uploadedBindings(script().uploads.at(-1)!.bindings ?? [])).toEqual(
      expectedBindings(config, WORKER, { kv: kvId, adminToken: before.token }),
    );
  });

  test("destroy asks first, deletes the dashboard before the server; a non-empty bucket stops it clearly; running it again finishes", async () => {
    const refused = await cli(["destroy", "--dir", dir]);
    expect(refused.code, out(refused)).toBe(1);
    expect(refused.stderr).toContain("destroy needs a confirmation");
    expect(api.state.scripts.has(WORKER)).toBe(true);
    expect(dashboard()).toBeDefined();

    api.state.r2.get(`${WORKER}-segments`)!.objects = 3;
    const stuck = await cli(["destroy", "--dir", dir, "--yes"]);
    expect(stuck.code, out(stuck)).toBe(1);
    expect(stuck.stderr).toContain(`R2 bucket ${WORKER}-segments (sealed segments) is not empty`);
    // The dashboard went first (wrangler refuses to delete a Worker another one binds).
    expect(stuck.stdout).toMatch(new RegExp(`deleted dashboard Worker ${DASHBOARD}[^]*deleted Worker ${WORKER}`));
    expect(dashboard()).toBeUndefined();
    expect(api.state.scripts.has(WORKER)).toBe(false);
    expect([...api.state.kv.values()].some((n) => n.title.startsWith(`${WORKER}-`))).toBe(false);

    api.state.r2.get(`${WORKER}-segments`)!.objects = 0;
    const done = await cli(["destroy", "--dir", dir, "--confirm", "true"]);
    expect(done.code, out(done)).toBe(0);
    expect(done.stdout).toContain(`already gone: dashboard Worker ${DASHBOARD}`);
    expect(done.stdout).toContain(`already gone: Worker ${WORKER}`);
    expect(done.stdout).toContain(`deleted R2 bucket ${WORKER}-segments`);
    // Only this deployment's resources went; the account's others are untouched.
    expect([...api.state.kv.values()].map((n) => n.title).sort()).toEqual(
      ["alpha", "beta", "delta", "epsilon", "gamma"].map((t) => `other-${t}`),
    );
    expect([...api.state.r2.keys()].sort()).toEqual(["other-a", "other-b", "other-c"]);
    expect([...api.state.queues.values()].map((q) => q.queue_name).sort()).toEqual([
      "other-q1",
      "other-q2",
      "other-q3",
    ]);
    expect(api.unknown).toEqual([]);
  });
});
