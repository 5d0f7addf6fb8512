/**
 * Project configs in the PROJECTS KV namespace (key `project:<name>`, the
 * layout of packages/server/src/projects/store.ts), read and written with
 * `wrangler kv key`. The same commands work whether or not a local server
 * is running: `wrangler dev` reads the shared local storage on each KV miss.
 * Values go through a private temporary file, never the command line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseProjectConfig, type ProjectConfig } from "@durable-streams-edge/server/node";
import { CliError } from "./errors.js";
import { kvFlags, type Target } from "./target.js";
import type { Wrangler } from "./wrangler.js";

/** KV key prefix of project configs (server: projects/store.ts). */
export const PROJECT_KEY_PREFIX = "project:";
const NOT_FOUND = "Value not found";
/** What wrangler 4.86 prints when the API has no value for the key. */
const MISSING_REMOTE = /\/values\/\S+ - 404: Not Found/;
const KV_HINT = "check that your API token may read Workers KV, then run the command again";

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-4).join("\n");
}

/** Reads and writes project configs through wrangler. */
export class ProjectStore {
  constructor(
    private readonly wrangler: Wrangler,
    private readonly target: Target,
  ) {}

  /** The stored config of `name`, or null. */
  async get(name: string): Promise<ProjectConfig | null> {
    const key = PROJECT_KEY_PREFIX + name;
    const r = await this.wrangler.run({
      args: ["kv", "key", "get", key, ...kvFlags(this.target), "--text"],
      cwd: this.target.cwd,
      allowFailure: true,
    });
    // Local storage prints "Value not found"; the API answers 404, which wrangler reports as a failure.
    if (r.code !== 0) {
      if (MISSING_REMOTE.test(r.stderr + r.stdout)) return null;
      throw new CliError(
        `wrangler kv key get ${key} failed (exit ${r.code}):\n${lastLines(r.stderr || r.stdout)}`,
        KV_HINT,
      );
    }
    const text = r.stdout.trim();
    if (text === NOT_FOUND || text === "") return null;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new CliError(`The stored value of ${key} is not JSON`);
    }
    const config = parseProjectConfig(raw);
    if (typeof config === "string") throw new CliError(`The stored config of project "${name}" is invalid: ${config}`);
    return config;
  }

  /** The config of `name`; fails with a next step when it does not exist. */
  async require(name: string): Promise<ProjectConfig> {
    const config = await this.get(name);
    if (!config) throw new CliError(`Project "${name}" does not exist here`, `create it with: create-project ${name}`);
    return config;
  }

  /** Stores a config (replacing any previous one). */
  async put(config: ProjectConfig): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "ds-edge-cli-"));
    const file = join(dir, "project.json");
    try {
      writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
      await this.wrangler.run({
        args: ["kv", "key", "put", PROJECT_KEY_PREFIX + config.name, "--path", file, ...kvFlags(this.target)],
        cwd: this.target.cwd,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Names of the stored projects. */
  async list(): Promise<string[]> {
    const r = await this.wrangler.run({
      args: ["kv", "key", "list", "--prefix", PROJECT_KEY_PREFIX, ...kvFlags(this.target)],
      cwd: this.target.cwd,
    });
    let keys: unknown;
    try {
      keys = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
    } catch {
      throw new CliError("wrangler kv key list did not answer with JSON");
    }
    if (!Array.isArray(keys)) return [];
    return keys
      .map((k: { name?: unknown }) => (typeof k.name === "string" ? k.name.slice(PROJECT_KEY_PREFIX.length) : ""))
      .filter((n) => n !== "")
      .sort();
  }
}
