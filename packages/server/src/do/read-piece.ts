/**
 * Pieces of a JSON message larger than a read (ReadOk.rest): the edge asks
 * for [from, to) in bounded pieces, so neither the object nor an RPC value
 * ever holds the whole message (docs/server.md "Memory budget").
 */
import { failure, type Result } from "../protocol/errors.js";
import { isFailure } from "../protocol/parse.js";
import type { StreamHost } from "./host.js";
import type { PieceOk, PieceRequest } from "./rpc-types.js";
import { liveMeta, readFrom } from "./read.js";
import { concat } from "./store.js";

/** Reads the next piece of a large message of the stream instance the edge started reading. */
export async function readPiece(host: StreamHost, req: PieceRequest): Promise<Result<PieceOk>> {
  const m = liveMeta(host);
  if (isFailure(m)) return m;
  if (m.instance !== req.instance) return failure(410, "gone", "The stream was replaced while it was being read");
  const valid = Number.isSafeInteger(req.from) && Number.isSafeInteger(req.to) && 0 <= req.from && req.from < req.to;
  if (!valid || req.to > m.tail) return failure(400, "invalid_offset", "Piece range is outside the stream");
  const to = Math.min(req.to, req.from + host.maxReadBytes);
  const slice = await readFrom(host, m, req.from, to, host.maxReadBytes, true);
  if (!slice.ok) return slice;
  if (slice.bytes === 0) return failure(503, "unavailable", "Stream data could not be read; retry the request");
  return { ok: true, data: concat(slice.pieces) };
}
