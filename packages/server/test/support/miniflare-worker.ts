/**
 * The built Worker in workerd through Miniflare, for what `wrangler dev`
 * cannot show: two edge isolates that share the same Durable Objects and KV
 * (test/auth-limits-isolates.test.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { TEST_VARS } from "../global-setup.js";
import { SERVER_DIR } from "./local-worker.js";

/** A running Miniflare with the Worker as `edge-a` (on `url`) and, when asked, a second isolate `edge-b`. */
export interface MiniflareWorker {
  readonly url: string;
  readonly mf: Miniflare;
  stop(): Promise<void>;
}

/** Bundles the Worker (`wrangler deploy --dry-run`) and starts it; `isolates: 2` adds `edge-b`. */
export async function startMiniflareWorker(isolates: 1 | 2 = 1): Promise<MiniflareWorker> {
  const outDir = mkdtempSync(join(tmpdir(), "ds-mf-"));
  const built = spawnSync(join(SERVER_DIR, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outDir], {
    cwd: SERVER_DIR,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(SERVER_DIR, "wrangler.jsonc"));
  const a = {
    ...workerOptions,
    name: "edge-a",
    modules: true,
    scriptPath: join(outDir, "index.js"),
    modulesRoot: outDir,
    bindings: { ...workerOptions.bindings, ...TEST_VARS },
  } as WorkerOptions;
  const workers = [a];
  if (isolates === 2) {
    // Another isolate of the same code, using edge-a's Durable Objects (the KV namespace is shared by id).
    const durableObjects = Object.fromEntries(
      Object.entries(workerOptions.durableObjects ?? {}).map(([k, v]) => [
        k,
        { ...(typeof v === "string" ? { className: v } : (v as object)), scriptName: "edge-a" },
      ]),
    );
    workers.push({ ...a, name: "edge-b", durableObjects, queueConsumers: undefined } as WorkerOptions);
  }
  const mf = new Miniflare({ workers, host: "127.0.0.1", port: 0 });
  const url = (await mf.ready).origin;
  return {
    url,
    mf,
    async stop() {
      await mf.dispose();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
