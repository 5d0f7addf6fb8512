/**
 * The server and the dashboard in real workerd: two `wrangler dev` processes
 * joined by a private dev registry (the dashboard's SERVER binding reaches
 * the server's AdminApi entrypoint), on free loopback ports, plus a local
 * JWKS server standing in for Cloudflare Access's team domain.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";

/** This package's directory and the server's. */
export const DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SERVER_DIR = resolve(DASHBOARD_DIR, "../server");
/** The root token the test server runs with (the dashboard never sees it). */
export const ADMIN_TOKEN = "dashboard-test-admin-token-0123456789abcdef";
/** The Access application AUD of the test dashboard. */
export const ACCESS_AUD = "dashboard-test-aud";

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = netServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

/** A local stand-in for the Access team: its JWKS, and tokens signed by its current key. */
export interface FakeAccess {
  readonly origin: string;
  /** Signs a token; `aud`, `iss`, `exp` and the key may be overridden to make bad ones. */
  sign(o?: { aud?: string; iss?: string; expSeconds?: number; key?: CryptoKey; kid?: string }): Promise<string>;
  /** Replaces the published key with a new one (rotation); returns nothing. */
  rotate(): Promise<void>;
  /** A key the JWKS does not publish (forged tokens). */
  readonly stranger: CryptoKey;
  close(): Promise<void>;
}

/** Starts the fake Access JWKS server on a free port. */
export async function startFakeAccess(): Promise<FakeAccess> {
  let current = await generateKeyPair("RS256");
  let kid = "k1";
  const jwks = async (): Promise<{ keys: JWK[] }> => ({
    keys: [{ ...(await exportJWK(current.publicKey)), kid, alg: "RS256", use: "sig" }],
  });
  const server: Server = createServer((req, res) => {
    if (req.url !== "/cdn-cgi/access/certs") return void res.writeHead(404).end();
    void jwks().then((b) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(b)));
  });
  const port = await freePort();
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${port}`;
  const stranger = (await generateKeyPair("RS256")).privateKey;
  return {
    origin,
    stranger,
    async sign(o = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ email: "operator@example.com" })
        .setProtectedHeader({ alg: "RS256", kid: o.kid ?? kid })
        .setIssuer(o.iss ?? origin)
        .setAudience(o.aud ?? ACCESS_AUD)
        .setSubject("operator")
        .setIssuedAt(now - 60)
        .setExpirationTime(now + (o.expSeconds ?? 600))
        .sign(o.key ?? current.privateKey);
    },
    async rotate() {
      current = await generateKeyPair("RS256");
      kid = `k${Date.now()}`;
    },
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** A running wrangler dev. */
interface Proc {
  child: ChildProcess;
  output: () => string;
}

async function wrangler(cwd: string, port: number, args: string[], env: Record<string, string>): Promise<Proc> {
  const inspector = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(DASHBOARD_DIR, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
      ...args,
    ],
    {
      cwd,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let out = "";
  const collect = (b: Buffer) => (out = (out + b.toString()).slice(-20_000));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return { child, output: () => out };
}

async function waitFor(url: string, p: Proc, timeoutMs: number, check?: (r: Response) => Promise<boolean>) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`wrangler exited\n${p.output()}`);
    try {
      const r = await fetch(url);
      if (r.ok && (!check || (await check(r)))) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer in time\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.pid === undefined) return;
  const done = new Promise((ok) => p.child.once("exit", ok));
  try {
    process.kill(-p.child.pid, "SIGTERM");
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(-p.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await done;
  clearTimeout(t);
}

/** The running pair. */
export interface Stack {
  readonly server: string;
  readonly dashboard: string;
  readonly access: FakeAccess;
  stop(): Promise<void>;
}

/** Server vars of the test: small segments so a few appends seal, the open default project, a root token, quick parking. */
const SERVER_VARS: Record<string, string> = {
  DEFAULT_PROJECT_OPEN: "true",
  ADMIN_TOKEN,
  SEGMENT_MAX_MESSAGES: "4",
  SEGMENT_HEAD_CACHE_MS: "0",
  CATALOG_STATS_INTERVAL_MS: "200",
  METRICS_FLUSH_MS: "200",
  DEBUG_ENDPOINTS: "true",
  SSE_CLOSE_AFTER_MS: "20000",
  SSE_KEEPALIVE_MS: "2000",
  // The seeded session that refuses appends is parked after 1 s of failures (the shortest allowed).
  ESTUARY_PARK_AFTER_MS: "1000",
  // ...which needs a call timeout below it (readConfig refuses one that is not).
  ESTUARY_CALL_TIMEOUT_MS: "500",
};

/** Starts the server, then the dashboard bound to it, with Access pointed at a local JWKS. */
export async function startStack(): Promise<Stack> {
  const registry = mkdtempSync(join(tmpdir(), "ds-dash-registry-"));
  const state = mkdtempSync(join(tmpdir(), "ds-dash-state-"));
  const access = await startFakeAccess();
  const env = { WRANGLER_REGISTRY_PATH: registry };
  const [sp, dp] = [await freePort(), await freePort()];
  const vars = (v: Record<string, string>) => Object.entries(v).flatMap(([k, x]) => ["--var", `${k}:${x}`]);
  const server = await wrangler(SERVER_DIR, sp, ["--persist-to", state, ...vars(SERVER_VARS)], env);
  const procs = [server];
  const cleanup = async () => {
    for (const p of procs.reverse()) await stop(p);
    await access.close();
    rmSync(registry, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitFor(`http://127.0.0.1:${sp}/health`, server, 90_000);
    const dashVars = { ACCESS_TEAM_DOMAIN: access.origin, ACCESS_AUD, DASHBOARD_OPEN: "false" };
    const dash = await wrangler(DASHBOARD_DIR, dp, ["--persist-to", join(state, "dash"), ...vars(dashVars)], env);
    procs.push(dash);
    await waitFor(`http://127.0.0.1:${dp}/health`, dash, 90_000);
    // The binding resolves once the registry has seen the server: wait until an RPC answers.
    const token = await access.sign();
    const until = Date.now() + 30_000;
    for (;;) {
      const r = await fetch(`http://127.0.0.1:${dp}/api/rpc/projects`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-access-jwt-assertion": token },
        body: "{}",
      });
      if (r.ok) break;
      if (Date.now() > until) throw new Error(`dashboard RPC: ${r.status} ${await r.text()}\n${dash.output()}`);
      await new Promise((ok) => setTimeout(ok, 300));
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { server: `http://127.0.0.1:${sp}`, dashboard: `http://127.0.0.1:${dp}`, access, stop: cleanup };
}
