/**
 * `setup --local --yes` end to end with the real CLI and wrangler: the
 * scaffold installs (offline, from this workspace) and bundles with
 * `wrangler deploy --dry-run`, the printed token works against the local
 * server, and a re-run reuses everything.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RUN_MS, TEST_MS } from "./support/cf-env.js";
import { offlineInstall, runCli, startLocalWorker } from "./support/cli.js";

const root = mkdtempSync(join(tmpdir(), "ds-edge-setup-e2e-"));
const state = join(root, "state");
const dir = join(root, "ws");
const install = offlineInstall();
const args = [
  "setup",
  "--local",
  "--yes",
  "--state-dir",
  state,
  "--dir",
  dir,
  "--components",
  "server,proxy",
  ...install.flags,
];

afterAll(() => rmSync(root, { recursive: true, force: true }));

// Two full setup runs (install, bundle) and a local Worker: the same bound as the API-double runs.
describe("setup --local --yes", { timeout: TEST_MS }, () => {
  test("scaffolds a workspace that bundles, and prints a token the local server accepts", async () => {
    const r = await runCli(args, install.env, undefined, RUN_MS);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (let n = 1; n <= 7; n++) expect(r.stdout).toContain(`Step ${n} of 7`);
    expect(r.stdout).toContain("wrangler deploy --dry-run --outdir dist");

    // What the dry run built, and what the scaffold contains.
    expect(existsSync(join(dir, "dist", "index.js"))).toBe(true);
    expect(existsSync(join(dir, "proxy", "nginx.conf.template"))).toBe(true);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toContain(".secrets.env");
    expect(readFileSync(join(dir, "src", "index.ts"), "utf8")).toContain("StreamDO");
    const admin = /ADMIN_TOKEN=(\S+)/.exec(readFileSync(join(dir, ".secrets.env"), "utf8"))![1]!;
    expect(r.stdout + r.stderr).not.toContain(admin);

    const token = /^TOKEN=(\S+)$/m.exec(r.stdout)![1]!;
    const worker = await startLocalWorker({ persistTo: state });
    try {
      const url = `${worker.url}/v1/stream/app/hello`;
      const headers = { authorization: `Bearer ${token}`, "content-type": "text/plain" };
      expect((await fetch(url, { method: "PUT", headers, body: "first line\n" })).status).toBe(201);
      const read = await fetch(`${url}?offset=-1`, { headers });
      expect(await read.text()).toBe("first line\n");
      expect((await fetch(`${url}?offset=-1`)).status).toBe(401);
    } finally {
      await worker.stop();
    }

    // A re-run finds the workspace and the project, and keeps the admin token.
    const again = await runCli(args, install.env, undefined, RUN_MS);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('found project "app" (reused; its keys are unchanged)');
    expect(again.stdout).toContain("updated wrangler.jsonc");
    expect(readFileSync(join(dir, ".secrets.env"), "utf8")).toContain(admin);
  });
});
