/**
 * Runs a child process and captures its output. Wrangler calls (wrangler.ts)
 * and the workspace install go through here; nothing else spawns.
 */
import { spawn } from "node:child_process";

/** One process to run. */
export interface ExecRequest {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed (default: no stdin). */
  readonly input?: string;
}

/** What a finished process left behind. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a process to completion; rejects only when it cannot be started. */
export function exec(req: ExecRequest): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(req.command, [...req.args], {
      cwd: req.cwd,
      env: { ...process.env, ...req.env },
      stdio: [req.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 130 : 1), stdout, stderr }));
    if (req.input !== undefined) child.stdin?.end(req.input);
  });
}
