/**
 * The production shape in one `wrangler dev` process: an "objects" Worker
 * that owns StreamDO / EstuaryDO (and their migrations), two "edge" Workers
 * running the same code whose STREAMS / ESTUARY bindings name the objects
 * Worker (`script_name`), and a test-only front Worker (split/front.ts) that
 * routes requests to the edges. workerd gives every Worker its own isolate,
 * so module state is not shared between the edges and the objects, as on
 * Cloudflare. All four share one persistence directory: the same R2 bucket,
 * KV namespace and queue. The FANOUT queue is consumed by edge A: on
 * Cloudflare the queue handler runs in the Worker's stateless isolates, never
 * in an object's.
 *
 * One process, not one per Worker: a second `wrangler dev` could reach the
 * objects through the dev registry, but not share the local R2, KV and queue
 * (each process keeps its own), and only the first config of a process gets a
 * port — hence the front Worker.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVER_DIR, startWrangler, type LocalWorker } from "./local-worker.js";
import { workerdPid } from "./rss.js";

/** Worker names in the split shape. */
export const SPLIT_NAMES = {
  objects: "ds-split-objects",
  edgeA: "ds-split-edge-a",
  edgeB: "ds-split-edge-b",
  front: "ds-split-front",
} as const;

/** A running split shape. */
export interface SplitWorkers {
  /** Requests alternate between edge A and edge B. */
  readonly url: string;
  /** Always edge A (which also consumes the FANOUT queue). */
  readonly edgeA: string;
  /** Always edge B. */
  readonly edgeB: string;
  /** wrangler's process (its group holds the one workerd running all four Workers). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Options: `vars` for every Worker (edge and objects read the same config). */
export interface SplitOptions {
  vars?: Record<string, string>;
  verbose?: boolean;
}

type Raw = Record<string, unknown> & {
  durable_objects?: { bindings?: Record<string, unknown>[] };
  queues?: { producers?: unknown[]; consumers?: unknown[] };
  vars?: Record<string, string>;
};

function readBaseConfig(): Raw {
  // wrangler's own reader understands the comments and trailing commas of wrangler.jsonc.
  // It runs in a child process: loading wrangler here would change this process's
  // fetch (wrangler installs its own HTTP dispatcher), which the tests use.
  const script =
    'const w = require("wrangler"); process.stdout.write(JSON.stringify(' +
    "w.experimental_readRawConfig({ config: process.argv[1] }).rawConfig))";
  const out = execFileSync(process.execPath, ["-e", script, join(SERVER_DIR, "wrangler.jsonc")], {
    cwd: SERVER_DIR,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return JSON.parse(out) as Raw;
}

/** The four configs, derived from wrangler.jsonc so new bindings and vars follow. */
export function splitConfigs(vars: Record<string, string>): Record<keyof typeof SPLIT_NAMES, Raw> {
  const base = readBaseConfig();
  delete base.$schema;
  const common = { ...base, main: join(SERVER_DIR, base.main as string), vars: { ...base.vars, ...vars } };
  const remote = (base.durable_objects?.bindings ?? []).map((b) => ({ ...b, script_name: SPLIT_NAMES.objects }));
  const edge = (name: string, consumes: boolean): Raw => {
    const c: Raw = { ...common, name, durable_objects: { bindings: remote } };
    delete c.migrations;
    c.queues = consumes ? base.queues : { producers: base.queues?.producers ?? [] };
    return c;
  };
  return {
    objects: { ...common, name: SPLIT_NAMES.objects, queues: { producers: base.queues?.producers ?? [] } },
    edgeA: edge(SPLIT_NAMES.edgeA, true),
    edgeB: edge(SPLIT_NAMES.edgeB, false),
    front: {
      name: SPLIT_NAMES.front,
      main: join(SERVER_DIR, "test/support/split/front.ts"),
      compatibility_date: base.compatibility_date,
      services: [
        { binding: "EDGE_A", service: SPLIT_NAMES.edgeA },
        { binding: "EDGE_B", service: SPLIT_NAMES.edgeB },
      ],
    },
  };
}

/** Starts the split shape and waits until both edges answer /health. */
export async function startSplitWorkers(opts: SplitOptions = {}): Promise<SplitWorkers> {
  const vars = { DEFAULT_PROJECT_OPEN: "true", ...opts.vars };
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "ds-split-"));
    const args: string[] = [];
    // The front goes first: only the primary Worker gets the port.
    const configs = splitConfigs(vars);
    for (const key of ["front", "edgeA", "edgeB", "objects"] as const) {
      const file = join(dir, `${key}.json`);
      writeFileSync(file, JSON.stringify(configs[key], null, 2));
      args.push("-c", file);
    }
    let worker: LocalWorker;
    try {
      worker = await startWrangler(args, {
        verbose: opts.verbose,
        persistTo: join(dir, "state"),
        // A private dev registry: these Workers never bind to another process's.
        env: { WRANGLER_REGISTRY_PATH: join(dir, "registry") },
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      if (!/Address already in use/.test((e as Error).message) || attempt >= 3) throw e;
      continue;
    }
    const split = {
      url: worker.url,
      edgeA: `${worker.url}/~a`,
      edgeB: `${worker.url}/~b`,
      pid: worker.pid,
      stop: () => worker.stop(),
    };
    for (const edge of [split.edgeA, split.edgeB]) {
      const res = await fetch(`${edge}/health`);
      if (!res.ok) {
        await worker.stop();
        throw new Error(`${edge}/health answered ${res.status}`);
      }
    }
    return split;
  }
}

/**
 * The edge and the objects in two `wrangler dev` processes (two workerd
 * processes), the edge's bindings reaching the objects through a private dev
 * registry: each process's resident memory is then one side's alone, which the
 * memory test measures (test/memory-split.test.ts). The price is what the
 * one-process shape above avoids: each process keeps its own local R2, KV and
 * queue, so the edge's R2 bucket is empty (it must only read hot data) and the
 * objects Worker consumes its own FANOUT queue.
 */
export interface SplitProcesses {
  /** The edge Worker. */
  readonly url: string;
  /** The objects Worker's own port (the same code: it serves HTTP too). */
  readonly objectsUrl: string;
  /** The workerd process running the edge, and the one running the objects. */
  readonly edgePid: number;
  readonly objectsPid: number;
  stop(): Promise<void>;
}

export async function startSplitProcesses(opts: SplitOptions = {}): Promise<SplitProcesses> {
  const vars = { DEFAULT_PROJECT_OPEN: "true", ...opts.vars };
  const configs = splitConfigs(vars);
  const base = readBaseConfig();
  const dir = mkdtempSync(join(tmpdir(), "ds-split2-"));
  const env = { WRANGLER_REGISTRY_PATH: join(dir, "registry") };
  const files = {
    objects: join(dir, "objects.json"),
    edge: join(dir, "edge.json"),
  };
  writeFileSync(files.objects, JSON.stringify({ ...configs.objects, queues: base.queues }, null, 2));
  writeFileSync(files.edge, JSON.stringify(configs.edgeB, null, 2));
  const start = async (config: string, state: string): Promise<LocalWorker> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startWrangler(["-c", config], { verbose: opts.verbose, persistTo: join(dir, state), env });
      } catch (e) {
        if (!/Address already in use/.test((e as Error).message) || attempt >= 3) throw e;
      }
    }
  };
  let objects: LocalWorker | undefined;
  try {
    objects = await start(files.objects, "objects");
    const edge = await start(files.edge, "edge");
    return {
      url: edge.url,
      objectsUrl: objects.url,
      edgePid: workerdPid(edge.pid),
      objectsPid: workerdPid(objects.pid),
      async stop() {
        await edge.stop();
        await objects!.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await objects?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
