/**
 * The platform ceiling on this machine: the bench's own no-op Worker and no-op
 * Durable Object (noop/worker.ts) under the same wrangler/workerd, measured with
 * the same workloads. One wrangler process serves both targets.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DIRECT, freePort, spawnServer, terminate, userWorkerUrl, waitForOk } from "./process.ts";
import type { Target, TargetSpec } from "./types.ts";

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const NOOP_DIR = join(BENCH_DIR, "noop");

interface Shared {
  url: string;
  users: number;
  stop(): Promise<void>;
}
let shared: Promise<Shared> | undefined;

/** Starts (once) `wrangler dev` for the no-op Worker and returns its URL. */
async function startNoop(): Promise<Shared> {
  const port = await freePort();
  const inspector = await freePort();
  const persist = mkdtempSync(join(tmpdir(), "ds-bench-noop-"));
  const wrangler = join(BENCH_DIR, "node_modules/wrangler/bin/wrangler.js");
  const args = [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port)];
  args.push("--inspector-port", String(inspector), "--persist-to", persist);
  args.push(
    "--show-interactive-dev-session=false",
    "--log-level",
    DIRECT ? "debug" : (process.env.BENCH_WRANGLER_LOG_LEVEL ?? "warn"),
  );
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };
  const proc = spawnServer("noop", process.execPath, args, { cwd: NOOP_DIR, env });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await terminate(proc.child);
    rmSync(persist, { recursive: true, force: true });
  };
  try {
    await waitForOk(`${url}/health`, proc.child, 60_000);
    if (DIRECT) {
      const direct = await userWorkerUrl(proc.output);
      await waitForOk(`${direct}/health`, proc.child, 5_000);
      return { url: direct, users: 0, stop };
    }
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n--- wrangler output ---\n${proc.output()}`);
  }
  return { url, users: 0, stop };
}

/** Kinds of ceiling: the no-op Worker, the no-op Worker→DO round trip, and that round trip storing one row. */
export type NoopMode = "worker" | "do" | "do-write";

const MODES: Record<NoopMode, { id: string; label: string; description: string }> = {
  worker: {
    id: "noop-worker",
    label: "ceiling: no-op Worker",
    description: "bench/noop: Worker answers at once (same wrangler/workerd)",
  },
  do: {
    id: "noop-do",
    label: "ceiling: no-op Worker→DO",
    description: "bench/noop: Worker forwards to a no-op Durable Object per stream name",
  },
  "do-write": {
    id: "noop-do-write",
    label: "floor: Worker→DO + 1 row",
    description: "bench/noop: the Worker→DO round trip, the object storing the body as one SQLite row",
  },
};

/** Target spec for one ceiling mode (one wrangler process serves them all). */
export function noopSpec(mode: NoopMode): TargetSpec {
  const { id, label, description } = MODES[mode];
  return {
    id,
    label,
    kind: "ceiling",
    description: DIRECT ? `${description}, at workerd's socket (dev proxy bypassed)` : description,
    async start(): Promise<Target> {
      shared ??= startNoop();
      let s: Shared;
      try {
        s = await shared;
      } catch (e) {
        shared = undefined;
        throw e;
      }
      s.users += 1;
      return {
        id,
        label,
        kind: "ceiling",
        baseUrl: `${s.url}/${mode}`,
        async stop() {
          s.users -= 1;
          if (s.users > 0) return;
          shared = undefined;
          await s.stop();
        },
      };
    },
  };
}
