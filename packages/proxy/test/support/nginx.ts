/**
 * Runs Debian's nginx with the proxy config on a loopback port, rendered by
 * the same render.sh the Docker image runs, and checked with `nginx -t` first.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../server/test/support/local-worker.ts";

/** The proxy package's root directory (template, render.sh). */
export const PROXY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const APT_HINT = "install Debian's packages: apt-get install -y nginx gettext-base ca-certificates";

/** Settings passed to render.sh as environment variables (see README). */
export type ProxyEnv = Partial<Record<ProxySetting, string>> & { ORIGIN_HOST: string };
type ProxySetting =
  | "ORIGIN_HOST"
  | "ORIGIN_SCHEME"
  | "SERVER_NAME"
  | "LISTEN_ADDRESS"
  | "LISTEN_PORT"
  | "RESOLVER"
  | "RESOLVER_IPV6"
  | "RESOLVER_VALID"
  | "ORIGIN_CA_FILE"
  | "ACCESS_LOG"
  | "TEMP_DIR";

/** A running nginx proxy. */
export interface RunningNginx {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  /** The rendered nginx.conf. */
  readonly config: string;
  /** The tail of nginx's access and error logs. */
  output(): string;
  /** Fast shutdown (SIGTERM, then SIGKILL) and removal of the temp prefix. */
  stop(): Promise<void>;
}

/** Path of Debian's nginx binary; throws with the apt packages to install when absent. */
export function nginxBinary(): string {
  for (const candidate of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]) {
    if (existsSync(candidate)) return candidate;
  }
  const onPath = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  throw new Error(`nginx is not installed (needed to test packages/proxy): ${APT_HINT}`);
}

/** Runs render.sh on the template into `dir/nginx.conf`; returns the path or throws render.sh's message. */
export function render(env: ProxyEnv, dir: string): string {
  const out = join(dir, "nginx.conf");
  const res = runRender(env, out);
  if (res.status !== 0) throw new Error(`render.sh failed (${res.status}): ${res.stderr}`);
  return out;
}

/** Runs render.sh with only PATH and the given settings in the environment. */
export function runRender(
  env: Record<string, string>,
  out: string,
): { status: number | null; stderr: string } {
  if (spawnSync("sh", ["-c", "command -v envsubst"]).status !== 0) {
    throw new Error(`envsubst is not installed (render.sh needs it): ${APT_HINT}`);
  }
  const res = spawnSync(
    "sh",
    [join(PROXY_DIR, "render.sh"), join(PROXY_DIR, "nginx.conf.template"), out],
    {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      encoding: "utf8",
    },
  );
  return { status: res.status, stderr: res.stderr };
}

/** `nginx -t` on a rendered config; throws nginx's own message when invalid. */
export function nginxTest(config: string): void {
  const dir = dirname(config);
  const res = spawnSync(nginxBinary(), [...nginxArgs(dir, config), "-t"], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`nginx -t failed for ${config}:\n${res.stderr}`);
}

/** Renders, checks (`nginx -t`) and starts nginx on a free loopback port; resolves once /_proxy/health answers. */
export async function startNginx(env: ProxyEnv): Promise<RunningNginx> {
  const bin = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), "ds-proxy-"));
  const port = Number(env.LISTEN_PORT ?? (await freePort()));
  const accessLog = join(dir, "access.log");
  const errorLog = join(dir, "error.log");
  let config: string;
  try {
    config = render(
      {
        RESOLVER: "127.0.0.1",
        ACCESS_LOG: accessLog,
        TEMP_DIR: dir,
        ...env,
        LISTEN_ADDRESS: "127.0.0.1",
        LISTEN_PORT: String(port),
      },
      dir,
    );
    nginxTest(config);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  // Files, not pipes: nginx never blocks on a full pipe, and the logs outlive a crash.
  const errFd = openSync(errorLog, "a");
  const child = spawn(bin, nginxArgs(dir, config), {
    stdio: ["ignore", errFd, errFd],
    detached: true,
  });
  closeSync(errFd);
  const output = () =>
    [accessLog, errorLog]
      .map((f) => (existsSync(f) ? readFileSync(f, "utf8").slice(-20_000) : ""))
      .join("\n");
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await terminate(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child);
  } catch (e) {
    const text = output();
    await stop();
    throw new Error(`${(e as Error).message}\n--- nginx output ---\n${text}`);
  }
  return { url, config: readFileSync(config, "utf8"), output, stop };
}

/** Command-line flags that keep nginx inside `dir`: prefix, pid, foreground, errors to stderr. */
function nginxArgs(dir: string, config: string): string[] {
  return ["-p", `${dir}/`, "-c", config, "-e", "stderr", "-g", `daemon off; pid ${dir}/nginx.pid;`];
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/_proxy/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not answer ${url}/_proxy/health within 10 s`);
}

/** SIGTERM is nginx's fast shutdown (SIGQUIT would wait for open SSE streams). */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
