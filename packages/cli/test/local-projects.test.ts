/**
 * The real CLI against the real local server: `create-project` and `token`
 * in --local mode write the state a `wrangler dev` serves — with the server
 * stopped, and while it runs — and the server accepts exactly what the
 * tokens allow.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, startLocalWorker, type LocalWorker } from "./support/cli.js";

const state = mkdtempSync(join(tmpdir(), "ds-edge-cli-state-"));
const local = ["--local", "--state-dir", state];
let worker: LocalWorker;

async function cli(...args: string[]): Promise<string> {
  const r = await runCli([...args, ...local]);
  expect(r.stderr + r.stdout, `exit ${r.code}`).not.toMatch(/✖/);
  expect(r.code).toBe(0);
  return r.stdout;
}

async function mint(project: string, scope: string, ...more: string[]): Promise<string> {
  const r = await runCli(["token", project, "--scope", scope, ...more, ...local]);
  expect(r.code, r.stderr).toBe(0);
  // stdout carries the token alone, so TOKEN=$(... token ...) works.
  expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  return r.stdout.trim();
}

const call = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${worker.url}/v1/stream/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "text/plain", ...init.headers },
  });

beforeAll(async () => {
  // Created while no server runs.
  await cli("create-project", "alpha");
  worker = await startLocalWorker({ persistTo: state });
});

afterAll(async () => {
  await worker?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe("CLI --local against a running local server", () => {
  let alphaWrite: string;

  test("a write token writes and reads; a read token reads but cannot write", async () => {
    const [write, read] = await Promise.all([
      mint("alpha", "write"),
      mint("alpha", "read", "--streams", "chat/*", "--ttl", "10m"),
    ]);
    alphaWrite = write;
    expect((await call("alpha/chat/room1", write, { method: "PUT", body: "hello " })).status).toBe(201);
    expect((await call("alpha/chat/room1", write, { method: "POST", body: "world" })).status).toBe(204);

    const got = await call("alpha/chat/room1?offset=-1", read);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("hello world");
    expect((await call("alpha/chat/room1", read, { method: "POST", body: "nope" })).status).toBe(403);
    // Outside its stream pattern, the read token is refused too.
    expect((await call("alpha/other?offset=-1", read)).status).toBe(403);
  });

  test("a project created while the server runs is served at once; its tokens do not open other projects", async () => {
    const out = await cli("create-project", "beta");
    const betaToken = out.trim().split("\n").at(-1)!;
    expect((await call("beta/s", betaToken, { method: "PUT", body: "b" })).status).toBe(201);
    expect((await call("beta/s?offset=-1", betaToken)).status).toBe(200);
    // A token for beta is refused by alpha (audience ds:beta), and vice versa.
    expect((await call("alpha/chat/room1?offset=-1", betaToken)).status).toBe(401);
    expect((await call("beta/s?offset=-1", alphaWrite)).status).toBe(401);
    // The output shows the token but no 32-byte signing secret.
    expect(/(^|[^\w.-])[\w-]{43}($|[^\w.-])/m.test(out.replace(/[\w-]+\.[\w-]+\.[\w-]+/g, ""))).toBe(false);
  });

  test("projects list names both; failures exit 1 (2 for usage) and say what to do next", async () => {
    const [list, missing, usage] = await Promise.all([
      runCli(["projects", "list", ...local]),
      runCli(["token", "nope", "--scope", "read", ...local]),
      runCli(["token", "alpha", "--scope", "read", "--bogus"]),
    ]);
    expect(list.stdout).toBe("alpha\nbeta\n");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Project "nope" does not exist here');
    expect(missing.stderr).toContain("create it with: create-project nope");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Unknown option '--bogus'/);
  });
});
