/**
 * A JSON message larger than a read reaches the edge as its first piece plus
 * a `rest` range (ReadOk.rest); the edge reads the rest from the StreamDO one
 * bounded piece (MAX_READ_BYTES) at a time while it writes the response, so
 * no RPC value, and no isolate, holds the whole message.
 */
import type { ReadOk } from "../do/rpc-types.js";
import type { PieceReader } from "../live/collapse.js";
import { SseDataLines } from "../protocol/sse-lines.js";

/** The bytes of `r` after its first piece, one piece per call; throws when a piece cannot be read. */
export async function* restOf(stub: PieceReader, r: ReadOk): AsyncGenerator<Uint8Array> {
  const rest = r.rest;
  if (!rest) return;
  let from = rest.from;
  while (from < rest.to) {
    const piece = await stub.readPiece({ instance: r.info.instance, from, to: rest.to });
    if (!piece.ok) throw new Error(`large message piece at ${from}: ${piece.status} ${piece.code}`);
    yield piece.data;
    from += piece.data.length;
  }
}

const OPEN = new Uint8Array([0x5b]);
const CLOSE = new Uint8Array([0x5d]);

/** A catch-up / long-poll body `[message]` whose message is read piece by piece as the client takes it. */
export function jsonMessageBody(stub: PieceReader, r: ReadOk): ReadableStream<Uint8Array> {
  const queue: Uint8Array[] = [OPEN, r.data];
  const rest = restOf(stub, r);
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const next = queue.shift();
      if (next) return ctl.enqueue(next);
      if (done) return ctl.close();
      const piece = await rest.next();
      if (!piece.done) return ctl.enqueue(piece.value);
      done = true;
      ctl.enqueue(CLOSE);
    },
    async cancel() {
      await rest.return(undefined);
    },
  });
}

/**
 * Writes one SSE data event `[message]` piece by piece (the same wire form as
 * a whole event, written as byte views of each piece); returns the message's
 * byte length.
 */
export async function writeJsonMessageEvent(
  stub: PieceReader,
  r: ReadOk,
  id: string,
  write: (b: Uint8Array[]) => Promise<void>,
): Promise<number> {
  const lines = new SseDataLines();
  let bytes = r.data.length;
  await write([...lines.begin(), ...lines.push(OPEN), ...lines.push(r.data)]);
  for await (const piece of restOf(stub, r)) {
    bytes += piece.length;
    await write(lines.push(piece));
  }
  await write([...lines.push(CLOSE), ...lines.end(id)]);
  return bytes;
}
