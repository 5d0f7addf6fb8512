import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { CliError } from "../errors.js";
import { ScriptedUi, WranglerRecorder, commandContext } from "../testing.js";
import { createProject, listKeys, listProjects, retireKeysCommand, rotateKeys, token } from "./projects.js";

const ZERO = "0".repeat(32);

function local(w: WranglerRecorder, args: string[], flags: Record<string, string | boolean> = {}) {
  const ui = new ScriptedUi();
  const state = "/tmp/ds-state";
  const ctx = commandContext({ wrangler: w, ui, args, flags: { local: true, "state-dir": state, ...flags } });
  return { ui, ctx };
}

function secretOf(w: WranglerRecorder, project: string, i = 0): Uint8Array {
  const cfg = JSON.parse(w.kv.get(`project:${project}`)!) as { keys: { secret: string }[] };
  return Buffer.from(cfg.keys[i]!.secret, "base64url");
}

describe("project commands (wrangler recorded)", () => {
  test("create-project stores a validated config through a temp file and prints only a token", async () => {
    const w = new WranglerRecorder([]);
    const { ui, ctx } = local(w, ["acme"]);
    await createProject(ctx);
    expect(w.commands).toEqual([
      `kv key get project:acme --namespace-id ${ZERO} --local --persist-to /tmp/ds-state --text`,
      `kv key put project:acme --path <tmp> --namespace-id ${ZERO} --local --persist-to /tmp/ds-state`,
    ]);
    const stored = JSON.parse(w.kv.get("project:acme")!);
    expect(stored).toMatchObject({ name: "acme", anonymous: "none", corsOrigins: ["*"] });
    expect(stored.keys).toHaveLength(1);
    expect(ui.results).toHaveLength(1);
    const { payload } = await jwtVerify(ui.results[0]!, secretOf(w, "acme"), { audience: "ds:acme" });
    expect(payload).toMatchObject({ scope: "write", sub: "cli" });
    expect(ui.output).not.toContain(stored.keys[0].secret);

    // A second create refuses and says what to do instead.
    const again = await createProject(local(w, ["acme"]).ctx).catch((e: unknown) => e);
    expect((again as CliError).message).toMatch(/already exists/);
    expect((again as CliError).hint).toBe("mint a token instead: token acme --scope write");
  });

  test("--show-secrets prints the signing secret; names are validated", async () => {
    const w = new WranglerRecorder([]);
    const { ui, ctx } = local(w, ["acme"], { "show-secrets": true });
    await createProject(ctx);
    const secret = (JSON.parse(w.kv.get("project:acme")!) as { keys: { secret: string }[] }).keys[0]!.secret;
    expect(ui.output).toContain(secret);
    const bad = await createProject(local(w, ["Acme!"]).ctx).catch((e: unknown) => e);
    expect((bad as CliError).message).toMatch(/not a valid project name/);
  });

  test("token: scope, streams and ttl go into the claims; errors name the fix", async () => {
    const w = new WranglerRecorder([]);
    await createProject(local(w, ["acme"]).ctx);
    const { ui, ctx } = local(w, ["acme"], { scope: "read", streams: "chat/*,logs/**", ttl: "15m", sub: "alice" });
    await token(ctx);
    expect(w.commands.at(-1)).toBe(
      `kv key get project:acme --namespace-id ${ZERO} --local --persist-to /tmp/ds-state --text`,
    );
    const { payload } = await jwtVerify(ui.results[0]!, secretOf(w, "acme"), { audience: "ds:acme" });
    expect(payload).toMatchObject({ scope: "read", streams: ["chat/*", "logs/**"], sub: "alice" });
    expect(payload.exp! - payload.iat!).toBe(900);

    const noScope = await token(local(w, ["acme"]).ctx).catch((e: unknown) => e);
    expect((noScope as CliError).message).toBe("--scope is required");
    const badScope = await token(local(w, ["acme"], { scope: "admin" }).ctx).catch((e: unknown) => e);
    expect((badScope as CliError).message).toBe("--scope must be one of read, write, manage");
    const badTtl = await token(local(w, ["acme"], { scope: "read", ttl: "forever" }).ctx).catch((e: unknown) => e);
    expect((badTtl as CliError).hint).toMatch(/1h/);
    const missing = await token(local(w, ["nope"], { scope: "read" }).ctx).catch((e: unknown) => e);
    expect((missing as CliError).message).toBe('Project "nope" does not exist here');
    expect((missing as CliError).hint).toBe("create it with: create-project nope");
  });

  test("keys rotate adds a signing key and keeps the old one until keys retire", async () => {
    const w = new WranglerRecorder([]);
    await createProject(local(w, ["acme"]).ctx);
    const oldToken = local(w, ["acme"], { scope: "write" });
    await token(oldToken.ctx);
    const rotate = local(w, ["acme"]);
    await rotateKeys(rotate.ctx);
    const newKid = rotate.ui.results[0]!;
    const cfg = () => JSON.parse(w.kv.get("project:acme")!) as { keys: { kid: string }[] };
    expect(cfg().keys).toHaveLength(2);
    expect(cfg().keys[1]!.kid).toBe(newKid);

    const fresh = local(w, ["acme"], { scope: "read" });
    await token(fresh.ctx);
    expect(decodeProtectedHeader(fresh.ui.results[0]!).kid).toBe(newKid);
    await jwtVerify(fresh.ui.results[0]!, secretOf(w, "acme", 1));
    // The old token's key is still there.
    const oldKid = decodeProtectedHeader(oldToken.ui.results[0]!).kid;
    expect(cfg().keys.map((k) => k.kid)).toContain(oldKid);

    const list = local(w, ["acme"]);
    await listKeys(list.ctx);
    expect(list.ui.results).toHaveLength(2);
    expect(list.ui.results[1]).toMatch(/signs new tokens$/);
    expect(list.ui.output).not.toMatch(/secret/);

    const retire = local(w, ["acme"], { yes: true });
    await retireKeysCommand({ ...retire.ctx, yes: true });
    expect(retire.ui.results).toEqual([oldKid]);
    expect(cfg().keys.map((k) => k.kid)).toEqual([newKid]);

    // The last key is never retired.
    const last = local(w, ["acme"], { kid: newKid });
    const err = await retireKeysCommand({ ...last.ctx, yes: true }).catch((e: unknown) => e);
    expect((err as CliError).message).toBe('Cannot retire the only key of "acme"');
  });

  test("keys retire asks first; declining changes nothing", async () => {
    const w = new WranglerRecorder([]);
    await createProject(local(w, ["acme"]).ctx);
    await rotateKeys(local(w, ["acme"]).ctx);
    const before = w.kv.get("project:acme");
    const ui = new ScriptedUi({ retire: false }, true);
    const ctx = commandContext({
      wrangler: w,
      ui,
      args: ["acme"],
      flags: { local: true, "state-dir": "/tmp/ds-state" },
    });
    await retireKeysCommand(ctx);
    expect(ui.asked).toEqual(["retire"]);
    expect(w.kv.get("project:acme")).toBe(before);
  });

  test("projects list prints names; remote targets come from the workspace's wrangler.jsonc", async () => {
    const w = new WranglerRecorder([]);
    const dir = mkdtempSync(join(tmpdir(), "ds-edge-ws-"));
    const id = "c".repeat(32);
    writeFileSync(
      join(dir, "wrangler.jsonc"),
      `// x\n{ "kv_namespaces": [{ "binding": "PROJECTS", "id": "${id}" },], }`,
    );
    const ui = new ScriptedUi();
    await createProject(commandContext({ wrangler: w, ui, args: ["b"], flags: { dir } }));
    await createProject(commandContext({ wrangler: w, ui, args: ["a"], flags: { dir } }));
    const list = new ScriptedUi();
    await listProjects(commandContext({ wrangler: w, ui: list, flags: { dir } }));
    expect(list.results).toEqual(["a", "b"]);
    expect(w.commands.at(-1)).toBe(`kv key list --prefix project: --namespace-id ${id} --remote`);
    expect(w.calls.every((c) => c.cwd === dir)).toBe(true);
    expect(decodeJwt(ui.results[0]!).aud).toBe("ds:b");

    const nowhere = mkdtempSync(join(tmpdir(), "ds-edge-empty-"));
    const err = await listProjects(commandContext({ wrangler: w, ui, flags: { dir: nowhere } })).catch(
      (e: unknown) => e,
    );
    expect((err as CliError).message).toBe(`No wrangler.jsonc in ${nowhere}`);
    expect((err as CliError).hint).toMatch(/--local/);
  });

  test("remote commands act on the account setup recorded, unless --account-id says otherwise", async () => {
    const w = new WranglerRecorder([]);
    const dir = mkdtempSync(join(tmpdir(), "ds-edge-ws-"));
    writeFileSync(
      join(dir, "wrangler.jsonc"),
      `{ "kv_namespaces": [{ "binding": "PROJECTS", "id": "${"d".repeat(32)}" }] }`,
    );
    writeFileSync(join(dir, "durable-streams-edge.json"), JSON.stringify({ worker: "w", accountId: "acc-recorded" }));
    await listProjects(commandContext({ wrangler: w, ui: new ScriptedUi(), flags: { dir } }));
    expect(w.calls.at(-1)?.account).toBe("acc-recorded");
    await listProjects(commandContext({ wrangler: w, ui: new ScriptedUi(), flags: { dir, "account-id": "acc-flag" } }));
    expect(w.calls.at(-1)?.account).toBe("acc-flag");
  });
});
