/**
 * Where project configs live: the local dev state (`--local`, the storage
 * `pnpm dev` / `wrangler dev --persist-to` reads) or the deployed KV
 * namespace named in a workspace's wrangler.jsonc.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError } from "./errors.js";
import { projectsNamespaceId, readWranglerConfig, type ServerPackage } from "./server-package.js";

/** The placeholder id of an unprovisioned KV namespace (the server's own wrangler.jsonc). */
export const PLACEHOLDER_ID = "00000000000000000000000000000000";

/** The KV namespace holding project configs, and how wrangler reaches it. */
export type Target =
  | { readonly kind: "local"; readonly namespaceId: string; readonly stateDir: string; readonly cwd: string }
  | { readonly kind: "remote"; readonly namespaceId: string; readonly cwd: string };

/** The state directory `pnpm dev` uses. */
export function defaultStateDir(server: ServerPackage): string {
  return join(server.dir, ".wrangler", "state");
}

/** Resolves `--local [--state-dir]` or the workspace in `dir` (default: the current directory). */
export function resolveTarget(
  opts: { local: boolean; stateDir?: string; dir?: string },
  server: ServerPackage,
): Target {
  if (opts.local) {
    const stateDir = resolve(opts.stateDir ?? defaultStateDir(server));
    const namespaceId = projectsNamespaceId(server.config) ?? PLACEHOLDER_ID;
    return { kind: "local", namespaceId, stateDir, cwd: server.dir };
  }
  const dir = resolve(opts.dir ?? ".");
  const file = join(dir, "wrangler.jsonc");
  const hint =
    "run it in the workspace `setup` created (or pass --dir <workspace>), or add --local for the local dev server";
  if (!existsSync(file)) throw new CliError(`No wrangler.jsonc in ${dir}`, hint);
  const id = projectsNamespaceId(readWranglerConfig(file));
  if (!id || id === PLACEHOLDER_ID) throw new CliError(`${file} has no provisioned PROJECTS KV namespace`, hint);
  return { kind: "remote", namespaceId: id, cwd: dir };
}

/** The wrangler flags that select the target's KV namespace. */
export function kvFlags(t: Target): string[] {
  return t.kind === "local"
    ? ["--namespace-id", t.namespaceId, "--local", "--persist-to", t.stateDir]
    : ["--namespace-id", t.namespaceId, "--remote"];
}
