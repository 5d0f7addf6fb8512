/**
 * POST: append and/or close. A producer's append first takes its turn
 * (producer-turns.ts), before its body is read. Validation happens next and
 * changes nothing; then data, producer state, Stream-Seq and the closed flag
 * commit in one SQLite transaction before the result is returned. The
 * transaction works on a copy of the metadata: the cached row changes only
 * when it commits. A plain append writes only its log row(s): the stored
 * metadata's tail is a floor that loading raises to the log's end (store.ts).
 */
import { failure, type Result } from "../protocol/errors.js";
import { H } from "../protocol/headers.js";
import { compareBytes, isFailure, isJsonType, mediaTypeEssence } from "../protocol/parse.js";
import { decideProducer, type ProducerState } from "../protocol/producer.js";
import { batchOf, receiveBody } from "./append-body.js";
import { EMPTY_BATCH, infoOf, offsetAt, storageFull, type StreamHost } from "./host.js";
import { producerTuple, type StreamMeta } from "./meta.js";
import { discardBody, type AppendOk, type AppendRequest, type BodyInput } from "./rpc-types.js";

/** Appends the body (and/or closes the stream) as one atomic step, in its producer's turn. */
export async function appendToStream(host: StreamHost, req: AppendRequest, body: BodyInput): Promise<Result<AppendOk>> {
  if (!req.producer) return appendNow(host, req, body);
  const release = await host.producerTurns.take(req.producer.id);
  if (!release) {
    await discardBody(body);
    return failure(
      503,
      "unavailable",
      "An earlier append of this producer is still in progress; retry this one shortly",
      { "retry-after": "1" },
    );
  }
  try {
    return await appendNow(host, req, body);
  } finally {
    release();
  }
}

async function appendNow(host: StreamHost, req: AppendRequest, body: BodyInput): Promise<Result<AppendOk>> {
  // A JSON body is split while it arrives; a content type that does not match
  // the stream's is refused below, before the split is used.
  const json = req.contentType !== null && isJsonType(req.contentType);
  const limits = { maxBytes: host.maxAppendBytes, maxMessages: host.maxAppendMessages };
  const received = await receiveBody(body, limits, json, false, host.bodyGate);
  if (isFailure(received)) return received;
  if (received.size === 0 && !req.closed) {
    return failure(400, "empty_body", "Append body is empty; send data, or Stream-Closed: true to close");
  }
  const m = host.meta();
  if (!m) return failure(404, "not_found", "Stream not found");
  if (m.state === "soft_deleted") return failure(410, "gone", "Stream was deleted");

  if (m.closed) return appendToClosed(m, req, received.size === 0);
  if (received.size > 0) {
    if (req.contentType === null) return failure(400, "invalid_header", "Content-Type is required when appending data");
    if (mediaTypeEssence(req.contentType) !== mediaTypeEssence(m.contentType)) {
      return failure(409, "content_type_mismatch", `Stream content type is ${m.contentType}, not ${req.contentType}`);
    }
  }
  if (received.invalid) return received.invalid;
  const messages = received.messages;
  const batch = messages.length > 0 ? batchOf(received) : EMPTY_BATCH;

  let next: ProducerState | null = null;
  if (req.producer) {
    const decision = decideProducer(host.store.getProducer(req.producer.id), req.producer);
    if (isFailure(decision)) return decision;
    if (decision.kind === "duplicate") {
      return { ok: true, status: 204, info: infoOf(m), producer: decision.state };
    }
    next = decision.next;
  }
  if (req.streamSeq !== null && m.streamSeq !== null && compareBytes(req.streamSeq, m.streamSeq) <= 0) {
    return failure(
      409,
      "sequence_conflict",
      `Stream-Seq "${req.streamSeq}" is not after the last one ("${m.streamSeq}")`,
    );
  }

  const full = storageFull(host, received.size);
  if (full) return full;

  const now = host.now();
  const start = m.tail;
  const after: StreamMeta = { ...m };
  host.transaction(() => {
    // The tail's segment was sealed: new data opens the next one.
    const sealed = host.segments.last()?.seq;
    if (messages.length > 0 && sealed !== undefined && sealed >= after.segment) after.segment = sealed + 1;
    if (messages.length > 0) after.tail = host.store.appendPieces(after.tail, messages);
    host.faults.hit("append-txn");
    host.recordFanout(after, start, batch);
    if (req.producer && next) host.store.putProducer(req.producer.id, next, now);
    if (req.streamSeq !== null) after.streamSeq = req.streamSeq;
    if (req.closed) {
      after.closed = true;
      after.closedBy = req.producer ? producerTuple(req.producer) : null;
    }
    after.lastAccess = now;
    // The common append changes only the tail, which its log row records: the
    // metadata row is written when anything else changed (or a TTL slides).
    const tailOnly = after.segment === m.segment && req.streamSeq === null && !req.closed && m.ttlSeconds === null;
    if (tailOnly) host.keepMeta(after);
    else host.saveMeta(after);
  });
  host.scheduleExpiry(after);
  host.publish(after, start, batch);
  host.appended(after, messages.length, received.size);
  // 200 only for a producer append that stored data; close-only is 204.
  return { ok: true, status: next && messages.length > 0 ? 200 : 204, info: infoOf(after), producer: next };
}

/** A closed stream: idempotent close, the closing producer's retry, or 409. */
function appendToClosed(m: StreamMeta, req: AppendRequest, empty: boolean): Result<AppendOk> {
  if (req.producer && m.closedBy === producerTuple(req.producer)) {
    const [epoch, seq] = m.closedBy.split(":").map(Number) as [number, number];
    return { ok: true, status: 204, info: infoOf(m), producer: { epoch, lastSeq: seq } };
  }
  if (req.closed && empty) return { ok: true, status: 204, info: infoOf(m), producer: null };
  return failure(409, "stream_closed", "Stream is closed; no further appends are accepted", {
    [H.streamClosed]: "true",
    [H.streamNextOffset]: offsetAt(m, m.tail),
  });
}
