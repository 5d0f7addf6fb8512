/**
 * Offsets are `%016d_%016d`: the segment the position was minted in, then the
 * byte position in the stream. The segment lets the edge find sealed history
 * without asking the stream's Durable Object; reads use the position only.
 */
export interface Offset {
  readonly segment: number;
  readonly position: number;
}

/** A parsed `offset` query value: a sentinel or a concrete offset. */
export type OffsetQuery = { kind: "start" } | { kind: "now" } | { kind: "at"; offset: Offset };

const WIDTH = 16;
const OFFSET_RE = /^(\d{16})_(\d{16})$/;

/** Formats an offset as the wire token. */
export function formatOffset(o: Offset): string {
  return `${String(o.segment).padStart(WIDTH, "0")}_${String(o.position).padStart(WIDTH, "0")}`;
}

/** Parses a wire offset token; undefined when malformed. */
export function parseOffset(token: string): Offset | undefined {
  const m = OFFSET_RE.exec(token);
  if (!m) return undefined;
  const segment = Number(m[1]);
  const position = Number(m[2]);
  if (!Number.isSafeInteger(segment) || !Number.isSafeInteger(position)) return undefined;
  return { segment, position };
}

/** Parses the `offset` query parameter (absent = stream start); undefined when malformed. */
export function parseOffsetQuery(value: string | null): OffsetQuery | undefined {
  if (value === null || value === "-1") return { kind: "start" };
  if (value === "now") return { kind: "now" };
  const offset = parseOffset(value);
  return offset ? { kind: "at", offset } : undefined;
}
