/**
 * Listing cursors: an opaque base64url token naming the last position a page
 * covered and the query it belongs to. Positions are keys, not counts, so a
 * stream created while a client pages is never the reason another one is
 * skipped or repeated.
 */
import { SORTS, type Position, type Sort } from "./entry.js";

/** What a cursor carries. */
export interface CursorState {
  readonly sort: Sort;
  readonly desc: boolean;
  /** The filters it was minted for (a cursor is refused with other filters). */
  readonly filter: string;
  readonly after: Position;
}

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** Encodes a cursor. */
export function encodeCursor(c: CursorState): string {
  return b64url(JSON.stringify([1, c.sort, c.desc ? 1 : 0, c.filter, c.after.value, c.after.name]));
}

/** Decodes a cursor; a string saying what is wrong when it is not one of ours. */
export function decodeCursor(token: string): CursorState | string {
  try {
    const bin = atob(token.replace(/-/g, "+").replace(/_/g, "/"));
    const json = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(bin, (ch) => ch.charCodeAt(0)),
    );
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v) || v.length !== 6 || v[0] !== 1) return "cursor is not a listing cursor";
    const [, sort, desc, filter, value, name] = v as unknown[];
    if (!SORTS.includes(sort as Sort)) return "cursor has an unknown sort";
    if (typeof filter !== "string" || typeof name !== "string") return "cursor is malformed";
    if (value !== null && (typeof value !== "number" || !Number.isFinite(value))) return "cursor is malformed";
    return { sort: sort as Sort, desc: desc === 1, filter, after: { value: value as number | null, name } };
  } catch {
    return "cursor is not valid base64url JSON";
  }
}
