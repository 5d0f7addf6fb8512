/**
 * One subscription's durable state in its object's SQLite: the row (config,
 * wake generation, lease, retry schedule) and one link per covered stream
 * (acked and known tail positions). Positions are byte positions, compared as
 * numbers; the offset tokens are kept beside them for responses.
 */
import type { Sql } from "../do/store.js";
import type { SubConfig } from "./config.js";

/** The subscription row. */
export interface SubRow {
  project: string;
  id: string;
  config: SubConfig;
  hash: string;
  root: string;
  createdAt: number;
  deleted: boolean;
  generation: number;
  wakeId: string | null;
  holder: string | null;
  leaseUntil: number | null;
  secret: string;
  attempts: number;
  nextAttemptAt: number | null;
  /** Streams of the current wake, as sent (JSON). */
  snapshot: WakeStream[];
  /** Pull-wake: whether the current wake's event is in the wake stream. */
  wakeWritten: boolean;
  lastError: string | null;
}

/** A stream of a wake, as webhooks and claims show it. */
export interface WakeStream {
  path: string;
  link_type: "glob" | "explicit";
  acked_offset: string;
  tail_offset: string;
  has_pending: boolean;
}

/** One covered stream. */
export interface Link {
  path: string;
  explicit: boolean;
  glob: boolean;
  acked: number;
  ackedToken: string;
  tail: number;
  tailToken: string;
}

type RowRecord = { json: string };
type LinkRecord = {
  path: string;
  explicit: number;
  glob: number;
  acked: number;
  acked_token: string;
  tail: number;
  tail_token: string;
};

/** The tables of one SubscriptionDO. */
export class SubStore {
  constructor(private readonly sql: Sql) {
    sql.exec("CREATE TABLE IF NOT EXISTS sub_row (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)");
    sql.exec(`CREATE TABLE IF NOT EXISTS sub_links (path TEXT PRIMARY KEY, explicit INTEGER NOT NULL,
      glob INTEGER NOT NULL, acked INTEGER NOT NULL, acked_token TEXT NOT NULL,
      tail INTEGER NOT NULL, tail_token TEXT NOT NULL)`);
  }

  /** The row, or null before the first PUT. */
  row(): SubRow | null {
    const r = this.sql.exec<RowRecord>("SELECT json FROM sub_row WHERE id = 1").toArray()[0];
    return r ? (JSON.parse(r.json) as SubRow) : null;
  }

  /** Writes the row. */
  save(row: SubRow): void {
    this.sql.exec("INSERT OR REPLACE INTO sub_row (id, json) VALUES (1, ?)", JSON.stringify(row));
  }

  /** Every link, by path. */
  links(): Link[] {
    return this.sql
      .exec<LinkRecord>("SELECT * FROM sub_links ORDER BY path")
      .toArray()
      .map((r) => ({
        path: r.path,
        explicit: r.explicit === 1,
        glob: r.glob === 1,
        acked: r.acked,
        ackedToken: r.acked_token,
        tail: r.tail,
        tailToken: r.tail_token,
      }));
  }

  /** One link, or null. */
  link(path: string): Link | null {
    return this.links().find((l) => l.path === path) ?? null;
  }

  /** Adds the link at `at` when absent (flags are OR-ed in); raises a known tail. */
  upsert(path: string, kind: { explicit: boolean; glob: boolean }, at: { pos: number; token: string }): void {
    this.sql.exec(
      `INSERT INTO sub_links (path, explicit, glob, acked, acked_token, tail, tail_token) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET explicit = max(explicit, excluded.explicit), glob = max(glob, excluded.glob)`,
      path,
      kind.explicit ? 1 : 0,
      kind.glob ? 1 : 0,
      at.pos,
      at.token,
      at.pos,
      at.token,
    );
  }

  /** Records a stream's tail when it is past the known one. */
  raiseTail(path: string, pos: number, token: string): void {
    this.sql.exec("UPDATE sub_links SET tail = ?, tail_token = ? WHERE path = ? AND tail < ?", pos, token, path, pos);
  }

  /** Moves an ack forward (never back, never past the known tail). */
  ack(path: string, pos: number, token: string): void {
    this.sql.exec(
      "UPDATE sub_links SET acked = ?, acked_token = ? WHERE path = ? AND acked < ? AND tail >= ?",
      pos,
      token,
      path,
      pos,
      pos,
    );
  }

  /** Drops the explicit flag; the link goes when no glob holds it either. */
  dropExplicit(path: string): void {
    this.sql.exec("UPDATE sub_links SET explicit = 0 WHERE path = ?", path);
    this.sql.exec("DELETE FROM sub_links WHERE path = ? AND explicit = 0 AND glob = 0", path);
  }

  /** Removes every link (deletion). */
  clearLinks(): void {
    this.sql.exec("DELETE FROM sub_links");
  }
}

/** A link as responses show it (explicit wins over glob). */
export function wakeStream(l: Link): WakeStream {
  return {
    path: l.path,
    link_type: l.explicit ? "explicit" : "glob",
    acked_offset: l.ackedToken,
    tail_offset: l.tailToken,
    has_pending: l.tail > l.acked,
  };
}
