/**
 * Spawning and stopping server processes. Each server gets its own process group
 * so that stopping it also stops what it spawned (wrangler spawns workerd).
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";

/** A spawned process plus the tail of its output (for error messages). */
export interface Spawned {
  readonly child: ChildProcess;
  output(): string;
}

/**
 * Spawns a detached process, keeping the last 20 kB of its stdout/stderr.
 * With BENCH_SERVER_LOG=<dir>, its whole output also goes to <dir>/<name>.log.
 */
export function spawnServer(name: string, cmd: string, args: string[], opts: SpawnOptions): Spawned {
  const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const logDir = process.env.BENCH_SERVER_LOG;
  let out = "";
  const collect = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
    if (logDir) appendFileSync(`${logDir}/${name}.log`, b);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return { child, output: () => out };
}

/** Signals the process group, escalating to SIGKILL after 5 s, and waits for exit. */
export async function terminate(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    process.kill(-pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
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

/** Polls `url` until it answers 2xx, the process exits, or the timeout passes. */
export async function waitForOk(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * BENCH_DIRECT=1: targets under `wrangler dev` are measured at their workerd
 * socket, past wrangler's dev proxy (a second workerd and a Node hop that
 * took most of a core under load). Same Worker, same state; only the local
 * proxy's cost is gone, for the edge and the ceilings alike.
 */
export const DIRECT = process.env.BENCH_DIRECT === "1";

/** The Worker's own socket, which wrangler 4.86 names at debug log level ("userWorkerUrl"). */
export async function userWorkerUrl(output: () => string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = /"userWorkerUrl":\{"protocol":"(https?:)","hostname":"([^"]+)","port":"(\d+)"\}/.exec(output());
    if (m) return `${m[1]}//${m[2]}:${m[3]}`;
    if (Date.now() > deadline)
      throw new Error("wrangler dev did not name its Worker's own socket (userWorkerUrl)");
    await new Promise((r) => setTimeout(r, 100));
  }
}
