/**
 * The server package this CLI ships with: where it is, its version, and the
 * bindings its wrangler.jsonc declares. The scaffold copies those bindings,
 * so a deployment gets every binding and migration the server needs.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CliError } from "./errors.js";
import { parseJsonc } from "./jsonc.js";

/** The parts of a wrangler config the CLI reads and writes. */
export interface WranglerConfig {
  name?: string;
  main?: string;
  compatibility_date?: string;
  compatibility_flags?: string[];
  durable_objects?: { bindings: { name: string; class_name: string }[] };
  migrations?: { tag: string; [k: string]: unknown }[];
  vars?: Record<string, string>;
  kv_namespaces?: { binding: string; id: string; [k: string]: unknown }[];
  r2_buckets?: { binding: string; bucket_name: string; [k: string]: unknown }[];
  queues?: {
    producers?: { binding: string; queue: string; [k: string]: unknown }[];
    consumers?: { queue: string; [k: string]: unknown }[];
  };
  [k: string]: unknown;
}

/** The installed server package. */
export interface ServerPackage {
  readonly dir: string;
  readonly version: string;
  readonly config: WranglerConfig;
}

/** Reads a wrangler.jsonc file. */
export function readWranglerConfig(path: string): WranglerConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CliError(`Cannot read ${path}`);
  }
  try {
    const v = parseJsonc(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new SyntaxError("not an object");
    return v as WranglerConfig;
  } catch (e) {
    throw new CliError(`${path} is not valid JSONC: ${(e as Error).message}`);
  }
}

/** Locates @durable-streams-edge/server next to this CLI and reads its config. */
export function serverPackage(): ServerPackage {
  let pkgPath: string;
  try {
    pkgPath = createRequire(import.meta.url).resolve("@durable-streams-edge/server/package.json");
  } catch {
    throw new CliError(
      "@durable-streams-edge/server is not installed next to the CLI",
      "reinstall @durable-streams-edge/cli (it depends on the server package)",
    );
  }
  const dir = dirname(pkgPath);
  const version = (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version;
  return { dir, version, config: readWranglerConfig(join(dir, "wrangler.jsonc")) };
}

/** The KV namespace id bound as PROJECTS in a config, if any. */
export function projectsNamespaceId(config: WranglerConfig): string | undefined {
  return config.kv_namespaces?.find((k) => k.binding === "PROJECTS")?.id;
}

/** Durable Object class names the entry must export. */
export function durableObjectClasses(config: WranglerConfig): string[] {
  return [...new Set((config.durable_objects?.bindings ?? []).map((b) => b.class_name))];
}

/**
 * The workspace's dependency on the server: this version from the registry,
 * or — when the CLI runs from a source checkout (the server is not under
 * node_modules) — a link to that checkout, since it may not be published.
 */
export function defaultServerSpec(server: ServerPackage, packageManager: string): string {
  if (server.dir.split(/[\\/]/).includes("node_modules")) return `^${server.version}`;
  return `${packageManager === "npm" ? "file" : "link"}:${server.dir}`;
}
