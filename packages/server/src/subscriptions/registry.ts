/**
 * A project's subscription registry (PROTOCOL.md §6): which subscriptions
 * cover which of the project's streams (each entry is the part of one
 * subscription that lies in this project, scope.ts), so a stream finds the
 * subscriptions it must wake with one lookup per object instance; plus the
 * project's webhook signing keys (keys.ts). It lives in the SubscriptionDO
 * named `reg:<project>`.
 */
import { matchesPattern } from "../auth/patterns.js";
import type { Sql } from "../do/store.js";
import type { RegistryPart } from "./scope.js";

/** A subscription covering a stream, and the path it knows the stream by. */
export interface Match {
  readonly project: string;
  readonly id: string;
  readonly path: string;
}

type Row = { project: string; id: string; pattern: string | null; streams: string; prefix: string };

/** The registry's table. */
export class Registry {
  constructor(private readonly sql: Sql) {
    sql.exec(`CREATE TABLE IF NOT EXISTS reg_subs (project TEXT NOT NULL, id TEXT NOT NULL, pattern TEXT,
      streams TEXT NOT NULL, prefix TEXT NOT NULL, PRIMARY KEY (project, id))`);
  }

  /** Records (or updates) the part of subscription `project:id` in this project. */
  put(project: string, id: string, part: RegistryPart): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO reg_subs (project, id, pattern, streams, prefix) VALUES (?, ?, ?, ?, ?)",
      project,
      id,
      part.pattern,
      JSON.stringify(part.streams),
      part.prefix,
    );
  }

  /** Forgets a subscription's part. */
  remove(project: string, id: string): void {
    this.sql.exec("DELETE FROM reg_subs WHERE project = ? AND id = ?", project, id);
  }

  /** The subscriptions covering stream `name`. */
  match(name: string): Match[] {
    return this.sql
      .exec<Row>("SELECT * FROM reg_subs")
      .toArray()
      .filter(
        (r) =>
          (JSON.parse(r.streams) as string[]).includes(name) || (r.pattern !== null && matchesPattern(r.pattern, name)),
      )
      .map((r) => ({ project: r.project, id: r.id, path: `${r.prefix}${name}` }));
  }

  /** Subscriptions living in project `project` (at most `limit`), for the admin API. */
  ids(project: string, limit: number): string[] {
    return this.sql
      .exec<{ id: string }>("SELECT DISTINCT id FROM reg_subs WHERE project = ? ORDER BY id LIMIT ?", project, limit)
      .toArray()
      .map((r) => r.id);
  }
}
