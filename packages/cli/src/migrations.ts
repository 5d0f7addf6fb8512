/**
 * Durable Object migrations between what is deployed and what the server
 * package declares: the ones an upgrade applies, in order, and whether any
 * of them deletes stored data (deleted or renamed classes).
 */
import type { WranglerConfig } from "./server-package.js";

/** A migration step as wrangler.jsonc declares it. */
export type Migration = NonNullable<WranglerConfig["migrations"]>[number];

/** The migrations after `deployedTag` (all of them when it is unknown or absent). */
export function pendingMigrations(config: WranglerConfig, deployedTag: string | undefined): Migration[] {
  const all = config.migrations ?? [];
  const at = deployedTag === undefined ? -1 : all.findIndex((m) => m.tag === deployedTag);
  return all.slice(at + 1);
}

/** Classes whose stored data a migration removes or moves (names, for a warning). */
export function lossyClasses(migrations: readonly Migration[]): string[] {
  const out: string[] = [];
  for (const m of migrations) {
    for (const c of (m.deleted_classes as string[] | undefined) ?? []) out.push(`${c} (deleted in ${m.tag})`);
    for (const r of (m.renamed_classes as { from: string; to: string }[] | undefined) ?? []) {
      out.push(`${r.from} → ${r.to} (renamed in ${m.tag})`);
    }
  }
  return out;
}
