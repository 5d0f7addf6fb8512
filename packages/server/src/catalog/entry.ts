/**
 * One stream's catalog entry, as a StreamDO reports it and a shard stores it,
 * and the listing request/response shapes shared by the shards, the edge
 * routes and the AdminApi RPC entrypoint.
 */

/** What the catalog knows about one stream. */
export interface CatalogEntry {
  /** Stream name inside the project (may contain `/`). */
  readonly name: string;
  /** The stream's incarnation: a re-created stream gets a new one. */
  readonly instance: string;
  readonly contentType: string;
  readonly createdAt: number;
  /** Last append that stored data, ms since epoch; null when none since the catalog learnt of it. */
  readonly lastAppendAt: number | null;
  /** Bytes retained: from the retained start (or the fork point) to the tail; trimmed and inherited bytes excluded. */
  readonly bytes: number;
  /** Messages retained (JSON messages, or appends for byte streams), trimmed and inherited ones excluded. */
  readonly messages: number;
  /** The earliest offset still stored (retention; docs/server.md "Retention and trimming"). */
  readonly startOffset: string;
  /** The stream's retention limits (null: no limit of that kind). */
  readonly retention: {
    readonly bytes: number | null;
    readonly messages: number | null;
    readonly seconds: number | null;
  };
  readonly closed: boolean;
  readonly ttlSeconds: number | null;
  /** When the stream expires (for a sliding TTL: as of the last report); null when never. */
  readonly expiresAt: number | null;
  /** The fork parent's name (same project), or null. */
  readonly forkOf: string | null;
  /** Sealed R2 segments. */
  readonly segments: number;
  /** Estuary sessions subscribed to this stream. */
  readonly subscribers: number;
  /** This stream is an estuary session's stream. */
  readonly session: boolean;
  /** When this report was made (ms since epoch). */
  readonly reportedAt: number;
}

/** A report a StreamDO sends to its shard: an upsert, or the removal of a stream. */
export type CatalogReport =
  | { readonly kind: "upsert"; readonly version: number; readonly entry: CatalogEntry }
  | { readonly kind: "remove"; readonly version: number; readonly name: string; readonly at: number };

/** Sort orders of a listing. */
export const SORTS = ["name", "lastAppend", "bytes"] as const;
/** One sort order. */
export type Sort = (typeof SORTS)[number];

/** Where a page starts: after this (sort value, name). */
export interface Position {
  readonly value: number | null;
  readonly name: string;
}

/** One shard's part of a listing. */
export interface ShardQuery {
  readonly sort: Sort;
  readonly desc: boolean;
  readonly prefix: string;
  /** Glob over the name (auth/patterns.ts syntax), or null. */
  readonly glob: string | null;
  /** Only session streams (true), only other streams (false), or both (null). */
  readonly session: boolean | null;
  readonly after: Position | null;
  readonly limit: number;
}

/** What a shard answers: matching entries in order, and how far it looked. */
export interface ShardPage {
  readonly entries: CatalogEntry[];
  /** The last position examined when the scan budget ran out before `limit` matches; else null. */
  readonly scannedTo: Position | null;
}

/** A merged page of a project's listing. */
export interface CatalogPage {
  readonly streams: CatalogEntry[];
  /** Pass as `cursor` for the next page; null at the end. */
  readonly cursor: string | null;
}
