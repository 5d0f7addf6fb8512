/**
 * Detects edits to the server's sources during a run. `wrangler dev` reloads
 * the Worker on every change, dropping live connections and mixing versions in
 * one run; the report then says so instead of passing the numbers off as clean.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Newest modification time (ms) of any file under `dir`; 0 when it does not exist. */
export function newestMtime(dir: string, depth = 0): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && depth < 8) newest = Math.max(newest, newestMtime(path, depth + 1));
    else if (e.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
