/**
 * A JSON message larger than a read reaches the edge as its first piece plus
 * a `rest` range (ReadOk.rest); the edge reads the rest from the StreamDO as
 * one byte stream, which the object fills one bounded piece (MAX_READ_BYTES)
 * at a time while the edge writes the response, so no RPC value, and no
 * isolate, holds the whole message.
 */
import type { ReadOk } from "../do/rpc-types.js";
import type { PieceReader } from "../live/collapse.js";
import { SseDataLines } from "../protocol/sse-lines.js";

/**
 * The bytes of `r` after its first piece, as the StreamDO's stream gives them
 * (one bounded piece at a time); throws when the rest cannot be read whole.
 */
export async function* restOf(stub: PieceReader, r: ReadOk): AsyncGenerator<Uint8Array> {
  const rest = r.rest;
  if (!rest) return;
  const opened = await stub.readRest({ instance: r.info.instance, from: rest.from, to: rest.to });
  if (!opened.ok) throw new Error(`large message at ${rest.from}: ${opened.status} ${opened.code}`);
  const reader = opened.body.getReader();
  let at = rest.from;
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      at += value.length;
      yield value;
    }
    ended = true;
  } finally {
    // A reader that stops early (the client went away) lets the object stop reading.
    if (!ended) await reader.cancel().catch(() => undefined);
  }
  if (at !== rest.to) throw new Error(`large message at ${rest.from}: its stream ended at ${at} of ${rest.to}`);
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
