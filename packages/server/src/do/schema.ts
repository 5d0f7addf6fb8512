/**
 * SQLite schema of a StreamDO. One row of `meta`; the hot log keyed by byte
 * position; producer state; the index of sealed R2 segments; R2 purges still
 * to do for deleted instances. Created lazily because deleting a stream drops
 * every table (`deleteAll`). `meta.tail` is a floor: a plain append writes
 * only its log row, and loading takes the log's end when it is further
 * (store.ts), so rows written by earlier versions read the same.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  stream_key TEXT NOT NULL,
  instance TEXT NOT NULL,
  content_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ttl_seconds INTEGER,
  expires_at INTEGER,
  last_access INTEGER NOT NULL,
  closed INTEGER NOT NULL DEFAULT 0,
  closed_by TEXT,
  tail INTEGER NOT NULL,
  segment INTEGER NOT NULL DEFAULT 0,
  stream_seq TEXT,
  fork_source TEXT,
  fork_offset TEXT,
  fork_sub_offset INTEGER NOT NULL DEFAULT 0,
  fork_position INTEGER,
  ref_count INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'live',
  pending_release INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log (
  pos INTEGER PRIMARY KEY,
  data BLOB NOT NULL,
  flags INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS segments (
  seq INTEGER PRIMARY KEY,
  start_pos INTEGER NOT NULL,
  end_pos INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  sealed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS purges (
  instance TEXT PRIMARY KEY,
  since INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS producers (
  id TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

/** Log row flag: the row begins a message (JSON mode; always set for byte streams). */
export const MSG_START = 1;
/** Log row flag: the row begins an append batch (a sub-offset never crosses one). */
export const BATCH_START = 2;

/** Largest blob stored in one log row (DO SQLite caps a row at 2 MB). */
export const ROW_MAX_BYTES = 1024 * 1024;
