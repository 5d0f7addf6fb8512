/**
 * CPU profile of this project's Worker under `wrangler dev`: starts the server
 * package's working tree (test/support/local-worker.ts), runs one scenario,
 * and samples the Worker's isolate through wrangler's inspector proxy
 * (V8's Profiler, over the DevTools protocol). Locally the edge, every Durable
 * Object and the queue consumer share that one isolate, so the profile is the
 * whole server's CPU; on Cloudflare each object has its own.
 *
 *   pnpm profile -- --scenario=seq-append --n=2000
 *   pnpm profile -- --scenario=fan-out --n=1000     # subscribe n sessions, profile 5 publishes' delivery
 *
 * Prints the functions with the most self time and, for the SQL calls (`exec`),
 * which code made them; writes the whole profile (`--out`, default
 * fan-out.cpuprofile / seq-append.cpuprofile in the OS temp dir) for DevTools'
 * Performance panel. Keep a profile under ~30 s: workerd's inspector has been
 * seen to drop longer sessions. Do not edit packages/server/src while it runs
 * (wrangler reloads on a change).
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVER_DIR, startLocalWorker } from "../../server/test/support/local-worker.ts";
import { appendOnce, createStream, payload, pool, sleep, streamUrl } from "./http.ts";
import { request } from "./client.ts";
import { note } from "./progress.ts";

interface Args {
  scenario: "seq-append" | "fan-out";
  n: number;
  top: number;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const kv = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (a === "--") continue;
    if (!m)
      throw new Error(`unknown argument ${a} (use --scenario=seq-append|fan-out --n=N --top=N --out=FILE)`);
    kv.set(m[1]!, m[2]!);
  }
  const scenario = kv.get("scenario") ?? "seq-append";
  if (scenario !== "seq-append" && scenario !== "fan-out")
    throw new Error(`--scenario must be seq-append or fan-out`);
  const n = Number(kv.get("n") ?? (scenario === "fan-out" ? 1000 : 2000));
  const top = Number(kv.get("top") ?? 30);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(top) || top < 1)
    throw new Error("--n and --top are positive integers");
  return { scenario, n, top, out: kv.get("out") ?? join(tmpdir(), `${scenario}.cpuprofile`) };
}

/** The part of a V8 CPU profile this script reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** A DevTools protocol session on the Worker's isolate. */
async function devtools(inspectorUrl: string): Promise<{
  call(method: string, params?: object): Promise<Record<string, unknown>>;
  close(): void;
}> {
  const targets = (await (await fetch(`${inspectorUrl}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const target = targets[0];
  if (!target) throw new Error(`${inspectorUrl}/json lists no isolate`);
  // wrangler's inspector proxy wants an Origin it trusts (localhost); Node's WebSocket takes headers as an extension.
  const ws = new WebSocket(target.webSocketDebuggerUrl, {
    headers: { origin: "http://localhost" },
  } as unknown as string[]);
  await new Promise<void>((ok, fail) => {
    ws.addEventListener("open", () => ok(), { once: true });
    ws.addEventListener("error", () => fail(new Error(`cannot open ${target.webSocketDebuggerUrl}`)), {
      once: true,
    });
  });
  let id = 0;
  const waiting = new Map<number, (v: Record<string, unknown>) => void>();
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data)) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: unknown;
    };
    if (msg.id === undefined) return;
    waiting.get(msg.id)?.(msg.error ? { error: msg.error } : (msg.result ?? {}));
    waiting.delete(msg.id);
  });
  ws.addEventListener("close", () => {
    for (const done of waiting.values()) done({ error: "the inspector closed the session" });
  });
  return {
    call(method, params = {}) {
      return new Promise((ok) => {
        waiting.set(++id, ok);
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

async function seqAppend(base: string, n: number): Promise<() => Promise<string>> {
  const url = streamUrl(base, `profile-seq-${Date.now().toString(36)}`);
  await createStream(url, "application/octet-stream");
  for (let i = 0; i < 50; i++) await appendOnce(url, "application/octet-stream", payload(100));
  return async () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await appendOnce(url, "application/octet-stream", payload(100));
    const ms = performance.now() - t0;
    return `${n} sequential 100-byte appends in ${(ms / 1000).toFixed(1)} s (${(n / (ms / 1000)).toFixed(0)}/s)`;
  };
}

async function fanOut(base: string, n: number): Promise<() => Promise<string>> {
  const name = `profile-src-${Date.now().toString(36)}`;
  const url = streamUrl(base, name);
  await createStream(url, "application/json");
  await pool(16, n, Infinity, async (i) => {
    const res = await request(`${base}/v1/estuary/subscribe/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ estuaryId: `${name}-s${i}`, ttlSeconds: 3600 }),
    });
    if (res.status !== 200 && res.status !== 201) throw new Error(`subscribe ${i}: ${res.status}`);
    if ((i + 1) % 100 === 0) note(`subscribed ${i + 1}/${n}`);
  });
  const counters = `${base}/v1/metrics/stream/default/${name}`;
  const appends = async () =>
    ((await (await fetch(counters)).json()) as { fanout: { appends: number } }).fanout.appends;
  return async () => {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) {
      // Idempotent, so the bench client's resend after a lost reply (client.ts) cannot add a message.
      const res = await request(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "producer-id": "profile",
          "producer-epoch": "0",
          "producer-seq": String(i),
        },
        body: JSON.stringify({ i, pad: "p".repeat(4000) }),
      });
      if (res.status !== 200 && res.status !== 204) throw new Error(`publish ${i}: ${res.status}`);
    }
    const deadline = Date.now() + 120_000;
    let seen = 0;
    while ((seen = await appends()) < 5 * n && Date.now() < deadline) await sleep(200);
    const ms = performance.now() - t0;
    return `5 publishes to ${n} sessions: ${seen} session appends in ${(ms / 1000).toFixed(1)} s`;
  };
}

/** Self time (ms) per function, and per caller chain of one function. */
function selfTimes(p: CpuProfile): {
  byFunction: Map<string, number>;
  callersOf(fn: string): Map<string, number>;
} {
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const self = new Map<number, number>();
  p.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const label = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || "(anonymous)"}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ""}`;
  };
  const byFunction = new Map<string, number>();
  for (const node of p.nodes) {
    // Anonymous functions are told apart by their line in the bundle.
    const key = node.callFrame.functionName || label(node.id);
    byFunction.set(key, (byFunction.get(key) ?? 0) + (self.get(node.id) ?? 0));
  }
  return {
    byFunction,
    callersOf(fn) {
      const out = new Map<string, number>();
      for (const node of p.nodes) {
        if (node.callFrame.functionName !== fn) continue;
        const chain: string[] = [];
        for (let q = parent.get(node.id), k = 0; q !== undefined && k < 3; q = parent.get(q), k++)
          chain.push(label(q));
        const key = chain.join(" ← ");
        out.set(key, (out.get(key) ?? 0) + (self.get(node.id) ?? 0));
      }
      return out;
    },
  };
}

const table = (rows: [string, number][], total: number, head: string, n: number) =>
  [
    `| ${head} | self ms | share |`,
    "| --- | ---: | ---: |",
    ...rows
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, v]) => `| ${k.replace(/\|/g, "\\|")} | ${v.toFixed(0)} | ${((100 * v) / total).toFixed(1)}% |`,
      ),
  ].join("\n");

/** Copies the bundle wrangler dev built since `since` (the profile's line numbers are its lines) next to `out`. */
function keepBundle(since: number, out: string): string | null {
  const tmp = join(SERVER_DIR, ".wrangler/tmp");
  const fresh = existsSync(tmp)
    ? readdirSync(tmp)
        .filter((d) => d.startsWith("dev-") && existsSync(join(tmp, d, "index.js")))
        .map((d) => ({ file: join(tmp, d, "index.js"), at: statSync(join(tmp, d, "index.js")).mtimeMs }))
        .filter((b) => b.at >= since)
        .sort((a, b) => b.at - a.at)
    : [];
  if (!fresh[0]) return null;
  copyFileSync(fresh[0].file, `${out}.bundle.js`);
  return `${out}.bundle.js`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  note(`starting the Worker (wrangler dev, working tree)`);
  const started = Date.now() - 1_000;
  const worker = await startLocalWorker({ vars: { DEBUG_ENDPOINTS: "true" } });
  try {
    const prepare = args.scenario === "fan-out" ? fanOut : seqAppend;
    const run = await prepare(worker.url, args.n);
    const dt = await devtools(worker.inspectorUrl);
    await dt.call("Profiler.enable");
    await dt.call("Profiler.setSamplingInterval", { interval: 500 });
    await dt.call("Profiler.start");
    note(`profiling ${args.scenario}, n = ${args.n}`);
    const summary = await run();
    const stopped = await dt.call("Profiler.stop");
    dt.close();
    if (!stopped.profile) throw new Error(`no profile: ${JSON.stringify(stopped.error ?? stopped)}`);
    const profile = stopped.profile as CpuProfile;
    writeFileSync(args.out, JSON.stringify(profile));
    const { byFunction, callersOf } = selfTimes(profile);
    const total = [...byFunction.values()].reduce((a, b) => a + b, 0);
    const idle = byFunction.get("(idle)") ?? 0;
    // Line numbers are the bundle's (wrangler's dev build of packages/server); the .cpuprofile keeps whole stacks.
    console.log(`\n${summary}; ${total.toFixed(0)} ms sampled, ${idle.toFixed(0)} ms of it idle\n`);
    console.log(table([...byFunction], total, "function (self time)", args.top));
    console.log(`\n${table([...callersOf("exec")], total, "SQL exec, called from", Math.min(args.top, 15))}`);
    console.log(
      `\nprofile: ${args.out} (${(readFileSync(args.out).length / 1e6).toFixed(1)} MB; open in DevTools)`,
    );
    const bundle = keepBundle(started, args.out);
    if (bundle) console.log(`bundle the line numbers refer to: ${bundle}`);
  } finally {
    await worker.stop();
  }
}

await main();
