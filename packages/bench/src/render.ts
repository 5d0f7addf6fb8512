/**
 * Re-renders docs/benchmarks.md and the charts from a saved results JSON
 * (default docs/bench/results.json) without running anything: for changes to
 * the report layout. `pnpm bench:render [file]`.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RunResult } from "./results.ts";
import { REPO_DIR, writeDocs } from "./report/write-docs.ts";

const file = resolve(process.argv[2] ?? join(REPO_DIR, "docs/bench/results.json"));
const run = JSON.parse(readFileSync(file, "utf8")) as RunResult;
const charts = writeDocs(run);
process.stdout.write(`rendered docs/benchmarks.md and ${charts} charts from ${file}\n`);
