/**
 * Starts this package's Worker in real workerd (`wrangler dev`, local SQLite
 * Durable Objects, local R2/KV) on a free loopback port, for tests and
 * benchmarks. Each call gets its own persistence directory unless one is given.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The server package's root directory. */
export const SERVER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Options for a local Worker. */
export interface LocalWorkerOptions {
  /** `vars` overrides, e.g. `{ LONG_POLL_TIMEOUT_MS: "2000" }`. */
  vars?: Record<string, string>;
  /** Persistence directory; a fresh temporary one when omitted (removed on stop). */
  persistTo?: string;
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Forward wrangler's output to this process's stderr. */
  verbose?: boolean;
  /** Milliseconds to wait for /health (default 60 s). */
  startTimeoutMs?: number;
  /**
   * wrangler configs to run together in one `wrangler dev` instead of the
   * server's own (the first listens on the port; the others are reachable by
   * service binding). `vars` then apply to the first one only.
   */
  configs?: string[];
  /**
   * Also find the socket of the Worker's own runtime behind wrangler dev's
   * proxy (`directUrl`), for requests whose client must reach workerd itself
   * (an upload cut mid-body: the proxy would end it cleanly, docs/server.md
   * "Interrupted uploads"). Runs wrangler with debug logging, where it names
   * that socket.
   */
  direct?: boolean;
}

/** A running local Worker. */
export interface LocalWorker {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly persistTo: string;
  /** The Worker's runtime without wrangler's proxy in front (with `direct`); same Worker, same state. */
  readonly directUrl?: string;
  /**
   * wrangler's inspector proxy, e.g. `http://127.0.0.1:40124`: `/json` lists the Worker's
   * isolate and its DevTools WebSocket (CPU profiles: packages/bench `pnpm profile`).
   */
  readonly inspectorUrl: string;
  /** wrangler's process id (it leads the process group that holds workerd). */
  readonly pid: number;
  /** Stops wrangler (SIGTERM, then SIGKILL) and removes a temporary state dir. */
  stop(): Promise<void>;
  /** Kills the process abruptly (for fault tests); state on disk is kept. */
  kill(): Promise<void>;
  /** The last 20,000 characters wrangler printed (for a failing test's report). */
  log(): string;
}

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/**
 * Starts `wrangler dev` for the server package and waits until /health answers.
 * A free port can be taken by another process before wrangler binds it (other
 * workers start in parallel); then it tries again on new ports.
 */
export async function startLocalWorker(opts: LocalWorkerOptions = {}): Promise<LocalWorker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      const portRace = /Address already in use/.test((e as Error).message);
      if (!portRace || opts.port !== undefined || attempt >= 3) throw e;
    }
  }
}

async function startOnce(opts: LocalWorkerOptions): Promise<LocalWorker> {
  // Local workers serve the open dev default project unless a caller says otherwise.
  const vars = { DEFAULT_PROJECT_OPEN: "true", ...opts.vars };
  const extra: string[] = [];
  for (const [k, v] of Object.entries(vars)) extra.push("--var", `${k}:${v}`);
  return startWrangler(extra, opts);
}

/**
 * Runs `wrangler dev` in the server package with `extraArgs` (configs, vars) on
 * a loopback port and waits for /health; shared with the split-isolates harness.
 */
export async function startWrangler(
  extraArgs: readonly string[],
  opts: LocalWorkerOptions & { env?: Record<string, string>; cleanup?: () => void },
): Promise<LocalWorker> {
  const port = opts.port ?? (await freePort());
  const inspectorPort = await freePort();
  const ownsState = opts.persistTo === undefined;
  const persistTo = opts.persistTo ?? mkdtempSync(join(tmpdir(), "ds-edge-"));
  const args = [
    join(SERVER_DIR, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    ...(opts.configs ?? []).flatMap((c) => ["-c", c]),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    opts.direct ? "debug" : (process.env.DS_WRANGLER_LOG_LEVEL ?? (opts.verbose ? "info" : "warn")),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, {
    cwd: SERVER_DIR,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  // Diagnosis: DS_WRANGLER_LOG_DIR=<dir> keeps each wrangler's whole output in <dir>/wrangler-<port>.log
  // (with DS_WRANGLER_LOG_LEVEL=info it names every reload: "Reloading local server...").
  const logDir = process.env.DS_WRANGLER_LOG_DIR;
  const logFile = logDir ? join(logDir, `wrangler-${port}.log`) : undefined;
  if (logDir) mkdirSync(logDir, { recursive: true });
  let direct: string | undefined;
  let seen = "";
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
    if (logFile) appendFileSync(logFile, `${new Date().toISOString()} ${b.toString()}`);
    if (opts.direct) {
      // wrangler 4.86 logs the proxy's target at debug level: "userWorkerUrl":{"protocol":"http:","hostname":...,"port":...}.
      seen = (seen + b.toString()).slice(-4_000);
      const m = /"userWorkerUrl":\{"protocol":"(https?:)","hostname":"([^"]+)","port":"(\d+)"\}/.exec(seen);
      if (m) direct = `${m[1]}//${m[2]}:${m[3]}`;
    }
    if (opts.verbose) process.stderr.write(b);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const cleanup = () => {
    if (ownsState) rmSync(persistTo, { recursive: true, force: true });
    opts.cleanup?.();
  };
  try {
    await waitForHealth(url, child, opts.startTimeoutMs ?? 60_000);
    if (opts.direct) {
      for (let waited = 0; direct === undefined && waited < 5_000; waited += 100) await sleep(100);
      if (direct === undefined) throw new Error("wrangler dev did not name its Worker's own socket (userWorkerUrl)");
      await waitForHealth(direct, child, 5_000);
    }
  } catch (e) {
    await terminate(child, "SIGKILL");
    cleanup();
    throw new Error(`${(e as Error).message}\n--- wrangler output ---\n${output}`);
  }
  return {
    url,
    port,
    persistTo,
    ...(direct === undefined ? {} : { directUrl: direct }),
    inspectorUrl: `http://127.0.0.1:${inspectorPort}`,
    pid: child.pid!,
    async stop() {
      await terminate(child, "SIGTERM");
      cleanup();
    },
    async kill() {
      await terminate(child, "SIGKILL");
    },
    log: () => output,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not answer ${url}/health within ${timeoutMs} ms`);
}

/** Signals the whole process group (wrangler spawns workerd) and waits for exit. */
async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    process.kill(-child.pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}
