/**
 * The published Node reference server `@durable-streams/server` (pinned 0.3.7),
 * in-memory and file-backed (LMDB + append-only logs), each in its own process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnServer, terminate } from "./process.ts";
import type { Target, TargetSpec } from "./types.ts";

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CHILD = join(BENCH_DIR, "src/targets/reference-child.ts");

/** Starts the reference server child and waits for the URL it prints. */
async function startReference(mode: "memory" | "file"): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = mode === "file" ? mkdtempSync(join(tmpdir(), "ds-bench-ref-")) : undefined;
  const args = ["--import", "tsx", CHILD, mode, ...(dataDir ? [dataDir] : [])];
  const proc = spawnServer(`ref-${mode}`, process.execPath, args, {
    cwd: BENCH_DIR,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const cleanup = async () => {
    await terminate(proc.child);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error("reference server did not start within 30 s")), 30_000);
      let buf = "";
      proc.child.stdout?.on("data", (b: Buffer) => {
        buf += b.toString();
        const line = buf.split("\n").find((l) => l.startsWith("{"));
        if (!line) return;
        clearTimeout(timer);
        ok((JSON.parse(line) as { url: string }).url.replace(/\/$/, ""));
      });
      proc.child.once("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`reference server exited with code ${code}`));
      });
    });
    return { url, stop: cleanup };
  } catch (e) {
    await cleanup();
    throw new Error(`${(e as Error).message}\n--- output ---\n${proc.output()}`);
  }
}

/** Target spec for the reference server in the given storage mode. */
export function referenceSpec(mode: "memory" | "file"): TargetSpec {
  const id = mode === "memory" ? "ref-memory" : "ref-file";
  const label = mode === "memory" ? "Node ref (memory)" : "Node ref (file)";
  return {
    id,
    label,
    kind: "reference",
    description:
      mode === "memory"
        ? "@durable-streams/server 0.3.7, in-memory store, own Node process"
        : "@durable-streams/server 0.3.7, file-backed store (LMDB + logs, temp dir), own Node process",
    async start(): Promise<Target> {
      const ref = await startReference(mode);
      return { id, label, kind: "reference", baseUrl: ref.url, stop: ref.stop };
    },
  };
}
