/** Runs the built CLI (dist/cli.js) as a user would, and the local Worker the e2e tests use. */
import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export { startLocalWorker, type LocalWorker } from "../../../server/test/support/local-worker.js";

/** The CLI package's root. */
export const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The built executable (`pnpm build` runs before the tests). */
export const CLI = join(CLI_DIR, "dist", "cli.js");

/** What a CLI run left behind. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Environment for CLI runs: no inherited DS_EDGE_* answers, no color, and
 * CI=true as on a CI machine (where pnpm freezes lockfiles by default), so a
 * run here behaves as it does there whatever the shell that started it set.
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("DS_EDGE_") && k !== "CLOUDFLARE_ACCOUNT_ID") env[k] = v;
  }
  return { ...env, CI: "true", NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", ...extra };
}

/**
 * Runs `node dist/cli.js ...args` with stdin closed. After `timeoutMs` the
 * whole process group (the CLI and the wrangler processes it started) is
 * killed and the run resolves with code null, so a slow run never outlives
 * its test.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd = CLI_DIR,
  timeoutMs = 80_000,
): Promise<CliRun> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: cliEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.once("error", fail);
    child.once("close", (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}

/** Setup flags and environment that install the scaffold offline from this workspace. */
export function offlineInstall(): { env: Record<string, string>; flags: string[] } {
  const server = resolve(CLI_DIR, "../server");
  const wrangler = realpathSync(join(CLI_DIR, "node_modules", "wrangler"));
  return {
    env: {
      npm_config_offline: "true",
      DS_EDGE_SERVER_SPEC: `link:${server}`,
      DS_EDGE_DASHBOARD_SPEC: `link:${resolve(CLI_DIR, "../dashboard")}`,
      DS_EDGE_WRANGLER_SPEC: `link:${wrangler}`,
    },
    flags: ["--package-manager", "pnpm"],
  };
}

/** A process on a pseudo-terminal (util-linux `script`), driven by what it prints. */
export class PtyProcess {
  private output = "";
  private seen = 0;
  private waiters: { text: string; resolve: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(command: string, env: Record<string, string>, cwd: string) {
    // A terminal without a size makes prompts wrap at every character: give it one.
    const child = spawn("script", ["-qefc", `stty cols 120 rows 40; ${command}`, "/dev/null"], {
      cwd,
      env: cliEnv({ TERM: "xterm-256color", ...env }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    const onData = (b: Buffer) => {
      this.output += b.toString();
      this.waiters = this.waiters.filter((w) => {
        const hit = this.output.indexOf(w.text, this.seen);
        if (hit < 0) return true;
        this.seen = hit + w.text.length;
        w.resolve();
        return false;
      });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    this.exited = new Promise((ok) => child.once("close", (code) => ok(code)));
  }
  private readonly child: ReturnType<typeof spawn>;

  /** Everything printed so far, without terminal control sequences. */
  get text(): string {
    return stripVTControlCharacters(this.output);
  }

  /** Resolves once `text` is printed after what earlier waits consumed. */
  waitFor(text: string): Promise<void> {
    const hit = this.output.indexOf(text, this.seen);
    if (hit >= 0) {
      this.seen = hit + text.length;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ text, resolve }));
  }

  /** Types keys into the terminal. */
  type(keys: string): void {
    this.child.stdin?.write(keys);
  }

  /** Ends the input (after the program is done with it). */
  close(): void {
    this.child.stdin?.end();
  }
}

/** Keys as a terminal sends them. */
export const KEY = { enter: "\r", down: "\u001b[B", space: " ", ctrlC: "\u0003" } as const;
