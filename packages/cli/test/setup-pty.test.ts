/**
 * The wizard on a real pseudo-terminal (util-linux `script`): answering the
 * prompts with keys (the dashboard and its Access questions included), and
 * Ctrl-C at a prompt, which exits 0 with one line.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CLI, KEY, PtyProcess, offlineInstall } from "./support/cli.js";

const root = mkdtempSync(join(tmpdir(), "ds-edge-pty-"));
const state = join(root, "state");
const install = offlineInstall();
const command = `${process.execPath} ${CLI} setup --local --state-dir ${state}`;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("setup on a terminal", () => {
  test("answers every prompt from the keyboard", async () => {
    const pty = new PtyProcess(command, { ...install.env, npm_config_user_agent: "pnpm/10 node/v20" }, root);
    await pty.waitFor("Components");
    // add "Proxy files" and "Dashboard" to the preselected server
    pty.type(KEY.down + KEY.space + KEY.down + KEY.space + KEY.enter);
    await pty.waitFor("Worker name");
    pty.type(KEY.enter); // durable-streams-edge
    await pty.waitFor("Workspace directory");
    pty.type(KEY.enter); // ./durable-streams-edge
    await pty.waitFor("Cloudflare Access team domain");
    pty.type(KEY.enter); // empty: set up later
    await pty.waitFor("AUD tag");
    pty.type(KEY.enter);
    await pty.waitFor("Package manager");
    pty.type(KEY.enter); // pnpm (detected)
    await pty.waitFor("Name of the first project");
    pty.type("chat" + KEY.enter);
    await pty.waitFor("Step 7 of 7");
    pty.close();
    expect(await pty.exited, pty.text).toBe(0);

    const ws = join(root, "durable-streams-edge");
    expect(existsSync(join(ws, "proxy", "Dockerfile"))).toBe(true);
    expect(existsSync(join(ws, "dist", "index.js"))).toBe(true);
    // The dashboard's config is written and its Worker bundles (local mode deploys nothing).
    expect(existsSync(join(ws, "dashboard", "wrangler.jsonc"))).toBe(true);
    expect(existsSync(join(ws, "dist", "dashboard", "index.js"))).toBe(true);
    expect(pty.text).toContain("The dashboard bundles too");
    expect(pty.text).toContain('created project "chat');
    expect(pty.text).toMatch(/TOKEN=[\w-]+\.[\w-]+\.[\w-]+/);
  });

  test("Ctrl-C at a prompt exits 0 with one line and writes nothing", async () => {
    const pty = new PtyProcess(command, {}, root);
    await pty.waitFor("Components");
    pty.type(KEY.ctrlC);
    expect(await pty.exited).toBe(0);
    expect(pty.text).toContain("Cancelled: nothing more was changed.");
    expect(pty.text).not.toContain("Step 3 of 7");
  });
});
