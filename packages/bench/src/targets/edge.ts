/**
 * This project's Worker in real workerd, started with the server package's own
 * test helper so the bench runs exactly what the tests run. By default it runs
 * a snapshot of packages/server copied at run start: `wrangler dev` reloads the
 * Worker whenever a source file changes, and a run that spans an edit would
 * otherwise drop live connections and mix two versions in one table.
 * BENCH_EDGE_LIVE=1 runs the working tree directly instead.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DIRECT } from "./process.ts";
import type { Target, TargetSpec } from "./types.ts";

/** Path of the server's counters endpoint (issue 4); override with BENCH_METRICS_PATH. */
export const METRICS_PATH = process.env.BENCH_METRICS_PATH ?? "/v1/metrics";

const SERVER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../server");
const HELPER = "test/support/local-worker.ts";
/** Root admin token of the bench's edge target (local only). */
export const BENCH_ADMIN_TOKEN = "bench-admin-token-0123456789abcdef0123456789";
const EDGE_VARS = { ADMIN_TOKEN: BENCH_ADMIN_TOKEN, DEBUG_ENDPOINTS: "true" };

interface LocalWorkerModule {
  startLocalWorker(opts: {
    vars?: Record<string, string>;
    verbose?: boolean;
    direct?: boolean;
  }): Promise<{ url: string; directUrl?: string; stop(): Promise<void> }>;
}

/** Copies what `wrangler dev` needs (sources, config, the helper) and links node_modules. */
function snapshot(): string {
  const dir = mkdtempSync(join(tmpdir(), "ds-bench-server-"));
  for (const entry of ["src", "test/support", "wrangler.jsonc", "package.json", "tsconfig.json"]) {
    const from = join(SERVER_DIR, entry);
    if (existsSync(from)) cpSync(from, join(dir, entry), { recursive: true });
  }
  symlinkSync(join(SERVER_DIR, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * Target spec for durable-streams-edge under `wrangler dev` (local SQLite Durable Objects).
 * `catalog: false` is the baseline of the catalog's cost: the same Worker with
 * CATALOG_ENABLED="false" (no catalog reports, no durable metrics).
 */
export function edgeSpec(opts: { catalog?: boolean } = {}): TargetSpec {
  const live = process.env.BENCH_EDGE_LIVE === "1";
  const catalog = opts.catalog ?? true;
  const id = catalog ? "edge" : "edge-nocat";
  const label = catalog ? "edge (workerd)" : "edge, catalog off";
  return {
    id,
    label,
    kind: catalog ? "edge" : "baseline",
    description: `packages/server under wrangler dev 4.86 (workerd, local SQLite DOs), ${
      catalog ? "default vars" : 'CATALOG_ENABLED="false" (baseline: no catalog reports, no durable metrics)'
    }${live ? ", working tree" : ", snapshot of the sources taken at run start"}${DIRECT ? ", at workerd's socket (dev proxy bypassed)" : ""}`,
    async start(): Promise<Target> {
      const root = live ? SERVER_DIR : snapshot();
      const cleanup = () => {
        if (!live) rmSync(root, { recursive: true, force: true });
      };
      try {
        // Imported lazily (and from the snapshot, so the helper runs wrangler there):
        // while the server package is incomplete a failure here becomes an error row.
        const mod = (await import(pathToFileURL(join(root, HELPER)).href)) as LocalWorkerModule;
        // The admin token and debug routes only add routes: the catalog workloads seed and list with them.
        const vars = catalog ? EDGE_VARS : { ...EDGE_VARS, CATALOG_ENABLED: "false" };
        // BENCH_EDGE_VERBOSE=1: the Worker's own log (wrangler at info level) on stderr.
        const worker = await mod.startLocalWorker({
          vars,
          verbose: process.env.BENCH_EDGE_VERBOSE === "1",
          direct: DIRECT,
        });
        const url = worker.directUrl ?? worker.url;
        return {
          id,
          label,
          kind: catalog ? "edge" : "baseline",
          baseUrl: url,
          metricsUrl: url + METRICS_PATH,
          async stop() {
            await worker.stop();
            cleanup();
          },
        };
      } catch (e) {
        cleanup();
        throw e;
      }
    },
  };
}
