/**
 * Reads a listing's query (`prefix`, `glob`, `sort`, `order`, `limit`,
 * `cursor`, `kind`) once, at the edge of the system; the HTTP routes and the
 * AdminApi RPC share it.
 */
import { failure, type Failure } from "../protocol/errors.js";
import { decodeCursor } from "./cursor.js";
import { SORTS, type Position, type Sort } from "./entry.js";
import { globProblem } from "./glob.js";

/** Largest page. */
export const MAX_LIMIT = 1_000;
const DEFAULT_LIMIT = 100;

/** A validated listing request. */
export interface ListParams {
  readonly prefix: string;
  readonly glob: string | null;
  readonly sort: Sort;
  readonly desc: boolean;
  readonly limit: number;
  /** `session` lists estuary session streams only, `stream` the others; null both. */
  readonly session: boolean | null;
  readonly after: Position | null;
  /** Binds a cursor to its filters. */
  readonly filter: string;
}

/** The raw options (query string values or RPC arguments). */
export interface ListOptions {
  prefix?: string;
  glob?: string;
  sort?: string;
  order?: string;
  limit?: string | number;
  cursor?: string;
  kind?: string;
}

const bad = (message: string) => failure(400, "bad_request", message);

/** Validates listing options. */
export function parseListParams(o: ListOptions): ListParams | Failure {
  const prefix = o.prefix ?? "";
  if (prefix.length > 1024) return bad("prefix is at most 1024 characters");
  const glob = o.glob === undefined || o.glob === "" ? null : o.glob;
  const problem = glob === null ? null : globProblem(glob);
  if (problem) return bad(`glob: ${problem}`);
  const sort = (o.sort ?? "name") as Sort;
  if (!SORTS.includes(sort)) return bad(`sort must be one of ${SORTS.join(", ")}`);
  const order = o.order ?? (sort === "name" ? "asc" : "desc");
  if (order !== "asc" && order !== "desc") return bad("order must be asc or desc");
  const limit = o.limit === undefined || o.limit === "" ? DEFAULT_LIMIT : Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return bad(`limit must be 1-${MAX_LIMIT}`);
  const kind = o.kind ?? "all";
  if (kind !== "all" && kind !== "session" && kind !== "stream") return bad("kind must be all, session or stream");
  const session = kind === "all" ? null : kind === "session";
  const filter = JSON.stringify([prefix, glob, kind]);
  let after: Position | null = null;
  if (o.cursor !== undefined && o.cursor !== "") {
    const c = decodeCursor(o.cursor);
    if (typeof c === "string") return bad(c);
    if (c.sort !== sort || c.desc !== (order === "desc") || c.filter !== filter) {
      return bad("cursor belongs to a listing with another sort, order or filter");
    }
    after = c.after;
  }
  return { prefix, glob, sort, desc: order === "desc", limit, session, after, filter };
}
