import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { jwtVerify } from "jose";
import { CliError } from "../errors.js";
import { SECRETS_FILE } from "../scaffold.js";
import {
  ScriptedUi,
  WranglerRecorder,
  commandContext,
  fakeServer,
  recordingInstaller,
  type Reply,
} from "../testing.js";
import { setup } from "./setup.js";

const ACCOUNT = "a".repeat(32);
const KV_ID = "f".repeat(32);
const WHOAMI = JSON.stringify({ loggedIn: true, email: "me@example.com", accounts: [{ id: ACCOUNT, name: "Me" }] });

function workspace(): string {
  return join(mkdtempSync(join(tmpdir(), "ds-edge-setup-")), "ws");
}

function remoteReplies(existing: boolean): Reply[] {
  const listed = JSON.stringify([{ id: KV_ID, title: "streams-projects" }]);
  return [
    { cmd: "--version", stdout: "4.86.0\n" },
    { cmd: "whoami --json", stdout: WHOAMI },
    ...(existing ? [] : [{ cmd: "kv namespace list", stdout: "[]", times: 1 }]),
    { cmd: "kv namespace list", stdout: listed },
    { cmd: "kv namespace create streams-projects", stdout: "✨ Success!" },
    {
      cmd: "deploy --secrets-file .secrets.env",
      stdout: "Deployed streams triggers\n  https://streams.me.workers.dev\n",
    },
  ];
}

describe("setup (remote, wrangler recorded)", () => {
  test("runs the seven phases with exactly these wrangler commands, then reuses everything on a re-run", async () => {
    const dir = workspace();
    const flags = { name: "streams", dir, project: "app" };
    const installer = recordingInstaller();

    const w1 = new WranglerRecorder(remoteReplies(false));
    const ui1 = new ScriptedUi();
    await setup(commandContext({ wrangler: w1, ui: ui1, yes: true, flags, install: installer }));

    expect(w1.commands).toEqual([
      "--version",
      "whoami --json",
      "kv namespace list",
      "kv namespace create streams-projects",
      "kv namespace list",
      "deploy --secrets-file .secrets.env",
      `kv key get project:app --namespace-id ${KV_ID} --remote --text`,
      `kv key put project:app --path <tmp> --namespace-id ${KV_ID} --remote`,
    ]);
    // Everything after preflight acts on the chosen account; deploy and KV run in the workspace.
    expect(w1.calls.slice(2).every((c) => c.account === ACCOUNT)).toBe(true);
    expect(w1.calls.find((c) => c.cmd.startsWith("deploy"))?.cwd).toBe(dir);
    expect(installer.calls).toEqual([{ dir, pm: "npm" }]);
    expect(ui1.lines.filter((l) => l.startsWith("Step"))).toEqual([
      "Step 1 of 7: Preflight",
      "Step 2 of 7: Choose components",
      "Step 3 of 7: Provision KV, R2 and Queues",
      "Step 4 of 7: Scaffold the workspace",
      "Step 5 of 7: Deploy",
      "Step 6 of 7: Create the first project",
      "Step 7 of 7: Summary",
    ]);

    // The workspace binds the provisioned namespace and keeps the admin token private.
    const config = readFileSync(join(dir, "wrangler.jsonc"), "utf8");
    expect(config).toContain(`"id": "${KV_ID}"`);
    expect(config).toContain('"name": "streams"');
    const adminToken = /ADMIN_TOKEN=(\S+)/.exec(readFileSync(join(dir, SECRETS_FILE), "utf8"))![1]!;
    expect(adminToken.length).toBeGreaterThanOrEqual(32);
    expect(ui1.output).not.toContain(adminToken);

    // The printed token is signed by the project's key and works against the deployed URL.
    const token = /TOKEN=(\S+)/.exec(ui1.output)![1]!;
    expect(ui1.output).toContain("https://streams.me.workers.dev/v1/stream/app/hello");
    expect(ui1.output).toContain("cost");
    expect(ui1.output).toContain("wrangler kv namespace delete --namespace-id " + KV_ID);
    // Served from workers.dev: the Cache API does nothing there, so the summary recommends a custom domain.
    expect(ui1.output).toContain("on *.workers.dev the Workers Cache API does nothing");
    expect(ui1.output).toContain('"custom_domain": true');

    // The token is signed by the stored project's key.
    const stored = JSON.parse(w1.kv.get("project:app")!) as { keys: { kid: string; secret: string }[] };
    const secret = Buffer.from(stored.keys[0]!.secret, "base64url");
    const { payload, protectedHeader } = await jwtVerify(token, secret, { audience: "ds:app" });
    expect(protectedHeader.kid).toBe(stored.keys[0]!.kid);
    expect(payload.scope).toBe("write");
    expect(ui1.output).not.toContain(stored.keys[0]!.secret);

    // Second run over the same account state: everything is found and reused.
    const w2 = new WranglerRecorder(remoteReplies(true), { kv: w1.kv });
    const ui2 = new ScriptedUi();
    await setup(commandContext({ wrangler: w2, ui: ui2, yes: true, flags, install: installer }));
    expect(w2.commands).toEqual([
      "--version",
      "whoami --json",
      "kv namespace list",
      "deploy --secrets-file .secrets.env",
      `kv key get project:app --namespace-id ${KV_ID} --remote --text`,
    ]);
    expect(ui2.output).toContain('found project "app"');
    expect(ui2.output).toContain("reused     KV namespace streams-projects");
    // The re-run keeps the admin token of the first.
    expect(readFileSync(join(dir, SECRETS_FILE), "utf8")).toContain(adminToken);
    expect(w2.kv.get("project:app")).toBe(w1.kv.get("project:app"));
    const token2 = /TOKEN=(\S+)/.exec(ui2.output)![1]!;
    await expect(jwtVerify(token2, secret, { audience: "ds:app" })).resolves.toBeDefined();
  });

  test("provisions R2 buckets and queues the server binds, and the scaffold binds them", async () => {
    const server = fakeServer({
      r2_buckets: [{ binding: "SEGMENTS", bucket_name: "ds-segments" }],
      queues: {
        producers: [{ binding: "FANOUT", queue: "ds-fanout" }],
        consumers: [{ queue: "ds-fanout", max_batch_size: 50 }],
      },
    });
    const dir = workspace();
    const w = new WranglerRecorder([
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", stdout: WHOAMI },
      { cmd: "kv namespace list", stdout: JSON.stringify([{ id: KV_ID, title: "s-projects" }]) },
      {
        cmd: "r2 bucket info s-segments",
        code: 1,
        stderr:
          "✘ [ERROR] A request to the Cloudflare API (/accounts/a/r2/buckets/s-segments) failed.\n  The specified bucket does not exist. [code: 10006]",
      },
      { cmd: "r2 bucket create s-segments", stdout: "Created bucket" },
      { cmd: "queues info s-ds-fanout", code: 1, stderr: '✘ [ERROR] Queue "s-ds-fanout" does not exist.' },
      { cmd: "queues create s-ds-fanout", code: 1, stderr: "A queue with this name already exists [code: 11009]" },
      { cmd: "deploy", stdout: "https://s.me.workers.dev" },
    ]);
    const ui = new ScriptedUi();
    await setup(commandContext({ wrangler: w, ui, server, yes: true, flags: { name: "s", dir } }));
    expect(w.commands.slice(2, 7)).toEqual([
      "kv namespace list",
      "r2 bucket info s-segments",
      "r2 bucket create s-segments",
      "queues info s-ds-fanout",
      "queues create s-ds-fanout",
    ]);
    expect(ui.output).toContain("created R2 bucket s-segments");
    expect(ui.output).toContain("found queue s-ds-fanout (reused)");
    const config = readFileSync(join(dir, "wrangler.jsonc"), "utf8");
    expect(config).toContain('"bucket_name": "s-segments"');
    expect(config.match(/"queue": "s-ds-fanout"/g)).toHaveLength(2);
    expect(config).toContain('"max_batch_size": 50');
  });

  test("several accounts: CLOUDFLARE_ACCOUNT_ID picks one; without it and without a terminal, setup says what to pass", async () => {
    const two = JSON.stringify({
      loggedIn: true,
      accounts: [
        { id: "a1", name: "One" },
        { id: "a2", name: "Two" },
      ],
    });
    const replies = (): Reply[] => [
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", stdout: two },
    ];
    const w = new WranglerRecorder(replies());
    const err = await setup(commandContext({ wrangler: w, ui: new ScriptedUi(), yes: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/Cloudflare account: no answer/);
    expect((err as CliError).hint).toMatch(/--account-id or set CLOUDFLARE_ACCOUNT_ID/);

    // Interactive: the account is a prompt; Ctrl-C there cancels.
    const ui = new ScriptedUi(
      { account: "a2", components: ["server"], worker: "x", dir: workspace(), packageManager: "npm" },
      true,
    );
    const w2 = new WranglerRecorder([...replies(), { cmd: "kv namespace list", stdout: "[]" }]);
    await setup(commandContext({ wrangler: w2, ui })).catch(() => undefined);
    expect(ui.asked.slice(0, 2)).toEqual(["account", "components"]);
    expect(w2.calls.at(-1)?.account).toBe("a2");
  });

  test("an API token that lists no account needs CLOUDFLARE_ACCOUNT_ID, which is then used", async () => {
    const replies = (): Reply[] => [
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", stdout: JSON.stringify({ loggedIn: true, accounts: [] }) },
      { cmd: "kv namespace list", stdout: "[]" },
    ];
    const err = await setup(
      commandContext({ wrangler: new WranglerRecorder(replies()), ui: new ScriptedUi(), yes: true }),
    ).catch((e: unknown) => e);
    expect((err as CliError).hint).toMatch(/CLOUDFLARE_ACCOUNT_ID/);
    const w = new WranglerRecorder(replies());
    const env = { CLOUDFLARE_ACCOUNT_ID: "acc-1" };
    await setup(commandContext({ wrangler: w, ui: new ScriptedUi(), yes: true, env })).catch(() => undefined);
    expect(w.calls.find((c) => c.cmd === "kv namespace list")?.account).toBe("acc-1");
  });

  test("not logged in: fails with how to log in, and nothing else runs", async () => {
    const w = new WranglerRecorder([
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", code: 1, stdout: '{"loggedIn":false}' },
    ]);
    const err = await setup(commandContext({ wrangler: w, ui: new ScriptedUi(), yes: true })).catch((e: unknown) => e);
    expect((err as CliError).message).toBe("You are not logged in to Cloudflare");
    expect((err as CliError).hint).toMatch(/wrangler login/);
    expect(w.commands).toEqual(["--version", "whoami --json"]);
  });

  test("--no-deploy skips the deploy and says how to deploy later", async () => {
    const dir = workspace();
    const w = new WranglerRecorder(remoteReplies(false));
    const ui = new ScriptedUi();
    await setup(commandContext({ wrangler: w, ui, yes: true, flags: { name: "streams", dir, "no-deploy": true } }));
    expect(w.commands.some((c) => c.startsWith("deploy"))).toBe(false);
    expect(ui.output).toContain("Not deployed: run `npm run deploy`");
  });

  test("local mode: no account, nothing provisioned, a dry-run build and the project in the state directory", async () => {
    const dir = workspace();
    const state = mkdtempSync(join(tmpdir(), "ds-edge-state-"));
    const w = new WranglerRecorder([
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "deploy --dry-run", stdout: "--dry-run: exiting now." },
    ]);
    const ui = new ScriptedUi();
    const flags = { local: true, "state-dir": state, dir, components: "server,proxy" };
    await setup(commandContext({ wrangler: w, ui, yes: true, flags }));
    const zero = "0".repeat(32);
    expect(w.commands).toEqual([
      "--version",
      "deploy --dry-run --outdir dist",
      `kv key get project:app --namespace-id ${zero} --local --persist-to ${state} --text`,
      `kv key put project:app --path <tmp> --namespace-id ${zero} --local --persist-to ${state}`,
    ]);
    expect(w.calls.every((c) => c.account === undefined)).toBe(true);
    expect(existsSync(join(dir, "proxy", "nginx.conf.template"))).toBe(true);
    expect(ui.output).toContain("http://127.0.0.1:8787/v1/stream/app/hello");
  });

  test("without a terminal, an unanswered question fails naming its flag and variable", async () => {
    const w = new WranglerRecorder([{ cmd: "--version", stdout: "4.86.0" }]);
    const err = await setup(commandContext({ wrangler: w, ui: new ScriptedUi(), flags: { local: true } })).catch(
      (e: unknown) => e,
    );
    expect((err as CliError).message).toBe("Components: no answer (no terminal to ask in)");
    expect((err as CliError).hint).toBe('pass --components or set DS_EDGE_COMPONENTS, or --yes to accept "server"');
  });

  test("an R2 bucket name another account owns fails clearly, naming what to change", async () => {
    const server = fakeServer({ r2_buckets: [{ binding: "SEGMENTS", bucket_name: "x" }] });
    const w = new WranglerRecorder([
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", stdout: WHOAMI },
      { cmd: "kv namespace list", stdout: JSON.stringify([{ id: KV_ID, title: "s-projects" }]) },
      { cmd: "r2 bucket info", code: 1, stderr: "The specified bucket does not exist. [code: 10006]" },
      { cmd: "r2 bucket create", code: 1, stderr: "The bucket you tried to create already exists. [code: 10004]" },
    ]);
    const flags = { name: "s", dir: workspace() };
    const err = await setup(commandContext({ wrangler: w, ui: new ScriptedUi(), server, yes: true, flags })).catch(
      (e: unknown) => e,
    );
    expect((err as CliError).message).toMatch(/s-segments is taken by another Cloudflare account/);
    expect((err as CliError).hint).toMatch(/--name/);
  });

  test("the dashboard, asked for while its package is missing, is 'not available' before anything changes", async () => {
    const w = new WranglerRecorder([
      { cmd: "--version", stdout: "4.86.0" },
      { cmd: "whoami --json", stdout: WHOAMI },
    ]);
    const flags = { components: "server,dashboard", dir: workspace() };
    const ctx = commandContext({ wrangler: w, ui: new ScriptedUi(), yes: true, flags, findDashboard: () => undefined });
    const err = await setup(ctx).catch((e: unknown) => e);
    expect((err as CliError).message).toMatch(/^The dashboard is not available/);
    expect((err as CliError).hint).toMatch(/--no-dashboard/);
    expect(w.commands).toEqual(["--version", "whoami --json"]);
  });
});
