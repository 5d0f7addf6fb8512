/**
 * The one way the CLI calls wrangler. Each call is shown as its command line
 * with a spinner; a failure becomes a `CliError` with wrangler's last words
 * and the caller's hint. Tests replace `Wrangler` with a recorder.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { apiProblem } from "./api-errors.js";
import { CliError } from "./errors.js";
import { exec, type ExecResult } from "./exec.js";
import type { Ui } from "./ui.js";

/** One wrangler invocation. */
export interface WranglerCall {
  /** Arguments after `wrangler`. */
  readonly args: readonly string[];
  /** Working directory (which wrangler.jsonc applies). */
  readonly cwd?: string;
  /** Written to wrangler's stdin. */
  readonly input?: string;
  /** What to do next if it fails. */
  readonly hint?: string;
  /** Resolve with the result even when wrangler exits non-zero. */
  readonly allowFailure?: boolean;
}

/** Runs wrangler commands. */
export interface Wrangler {
  run(call: WranglerCall): Promise<ExecResult>;
  /** The same runner, acting on one Cloudflare account (CLOUDFLARE_ACCOUNT_ID). */
  withAccount(accountId: string): Wrangler;
}

/** How to start wrangler: a command and leading arguments. */
export interface WranglerBin {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * Finds wrangler: an explicit path (flag or DS_EDGE_WRANGLER), else the one
 * installed with this CLI, else `wrangler` on PATH.
 */
export function resolveWranglerBin(explicit: string | undefined): WranglerBin {
  if (explicit)
    return explicit.endsWith(".js") ? { command: process.execPath, args: [explicit] } : { command: explicit, args: [] };
  try {
    const pkg = createRequire(import.meta.url).resolve("wrangler/package.json");
    const js = join(dirname(pkg), "bin", "wrangler.js");
    if (existsSync(js)) return { command: process.execPath, args: [js] };
  } catch {
    // not installed next to the CLI
  }
  return { command: "wrangler", args: [] };
}

/** Quotes an argument for display when it needs it. */
function shown(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** The command line as the user would type it. */
export function commandLine(args: readonly string[]): string {
  return ["wrangler", ...args.map(shown)].join(" ");
}

function lastLines(text: string, n: number): string {
  const lines = stripVTControlCharacters(text)
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  return lines.slice(-n).join("\n");
}

/** The error for a failed call: a recognised API problem first, then wrangler's last words. */
export function failure(call: WranglerCall, out: ExecResult): CliError {
  const why = lastLines(out.stderr || out.stdout, 6);
  const problem = apiProblem(stripVTControlCharacters(out.stderr + out.stdout));
  const what = `${commandLine(call.args)} failed (exit ${out.code})${why ? `:\n${why}` : ""}`;
  return problem ? new CliError(`${problem.message}\n${what}`, problem.hint) : new CliError(what, call.hint);
}

/** The real runner: spawns wrangler under a spinner. */
export function createWrangler(ui: Ui, bin: WranglerBin, accountId?: string): Wrangler {
  return {
    withAccount: (id) => createWrangler(ui, bin, id),
    async run(call) {
      const env: Record<string, string> = { WRANGLER_SEND_METRICS: "false" };
      if (accountId) env.CLOUDFLARE_ACCOUNT_ID = accountId;
      let r: ExecResult;
      try {
        r = await ui.spin(commandLine(call.args), async () => {
          const out = await exec({
            command: bin.command,
            args: [...bin.args, ...call.args],
            cwd: call.cwd,
            env,
            input: call.input,
          });
          if (out.code !== 0 && !call.allowFailure) throw out;
          return out;
        });
      } catch (e) {
        if (e instanceof Error && "code" in e && e.code === "ENOENT") {
          throw new CliError(
            `wrangler was not found (${bin.command})`,
            "install it (npm i -D wrangler) or pass --wrangler <path> / set DS_EDGE_WRANGLER",
          );
        }
        if (e instanceof Error) throw e;
        throw failure(call, e as ExecResult);
      }
      return { ...r, stdout: stripVTControlCharacters(r.stdout), stderr: stripVTControlCharacters(r.stderr) };
    },
  };
}
