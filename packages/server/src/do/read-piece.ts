/**
 * Pieces of a JSON message larger than a read (ReadOk.rest): the edge asks
 * for [from, to) once and gets a byte stream that this object fills one
 * bounded piece at a time as the edge takes it, so neither the object nor an
 * RPC value ever holds the whole message (docs/server.md "Memory budget").
 */
import { failure, type Result } from "../protocol/errors.js";
import { isFailure } from "../protocol/parse.js";
import type { StreamHost } from "./host.js";
import type { PieceOk, PieceRequest, RestOk } from "./rpc-types.js";
import { liveMeta, readFrom } from "./read.js";
import { concat } from "./store.js";

/**
 * The bytes [from, to) as a stream of pieces. The first piece is read before
 * answering, so a replaced stream or a bad range is a failure here rather than
 * a broken body; a later piece that cannot be read errors the stream (the edge
 * then ends its response early, and the client retries). `onPiece` counts each.
 */
export async function readRest(host: StreamHost, req: PieceRequest, onPiece: () => void): Promise<Result<RestOk>> {
  const first = await readPiece(host, req);
  if (!first.ok) return first;
  onPiece();
  let next: Uint8Array | null = first.data;
  let from = req.from + first.data.length;
  const body = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (next) {
        ctl.enqueue(next);
        next = null;
        return;
      }
      if (from >= req.to) return ctl.close();
      const piece = await readPiece(host, { instance: req.instance, from, to: req.to });
      if (!piece.ok) return ctl.error(new Error(`large message piece at ${from}: ${piece.status} ${piece.code}`));
      onPiece();
      from += piece.data.length;
      ctl.enqueue(piece.data);
    },
  });
  return { ok: true, body };
}

/** Reads the next piece of a large message of the stream instance the edge started reading. */
async function readPiece(host: StreamHost, req: PieceRequest): Promise<Result<PieceOk>> {
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
