/** Writes docs/benchmarks.md, docs/bench/*.svg and docs/bench/results.json for a run. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunResult } from "../results.ts";
import { buildCharts } from "./charts.ts";
import { renderMarkdown } from "./markdown.ts";

/** The repository root (packages/bench/src/report → ../../../..). */
export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Writes the docs for `run`; returns how many charts were written. */
export function writeDocs(run: RunResult): number {
  const charts = buildCharts(run);
  mkdirSync(join(REPO_DIR, "docs/bench"), { recursive: true });
  for (const c of charts) writeFileSync(join(REPO_DIR, "docs/bench", c.file), c.svg);
  writeFileSync(join(REPO_DIR, "docs/bench/results.json"), JSON.stringify(run, null, 2) + "\n");
  // The memory table comes from the server's memory test (docs/bench/memory.md), not from this run.
  const memory = join(REPO_DIR, "docs/bench/memory.md");
  const extra = existsSync(memory) ? `\n${readFileSync(memory, "utf8")}` : "";
  writeFileSync(join(REPO_DIR, "docs/benchmarks.md"), renderMarkdown(run, charts) + extra);
  return charts.length;
}
