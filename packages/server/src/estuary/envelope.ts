/**
 * The envelope a fanned-out message travels in, and how a source append's
 * envelopes are packed into outbox rows. Pure: the StreamDO calls it inside
 * the append's transaction, the tests call it in Node.
 */

/** Messages larger than this are delivered as a reference (`truncated`), not inline. */
export const MAX_INLINE_MESSAGE_BYTES = 256 * 1024;
/** Most bytes of envelopes in one outbox row (DO SQLite rows stop at 2 MB). */
export const MAX_ROW_BYTES = 1024 * 1024;

/** One source message, as the outbox sees it. */
export interface SourceMessage {
  /** The message's offset in the source stream (reading from it returns this message first). */
  readonly offset: string;
  readonly data: Uint8Array;
}

const decoder = new TextDecoder();

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/**
 * The JSON text of one envelope. JSON sources carry the message as a JSON
 * value (the append already validated it); other content types carry base64.
 */
export function envelopeOf(stream: string, contentType: string, json: boolean, msg: SourceMessage): string {
  const head = `{"stream":${JSON.stringify(stream)},"offset":${JSON.stringify(msg.offset)}`;
  if (msg.data.length > MAX_INLINE_MESSAGE_BYTES) {
    return `${head},"truncated":true,"bytes":${msg.data.length}}`;
  }
  if (json) return `${head},"data":${decoder.decode(msg.data)}}`;
  return `${head},"contentType":${JSON.stringify(contentType)},"encoding":"base64","data":"${base64(msg.data)}"}`;
}

/** Packs envelopes into JSON-array bodies of at most about `MAX_ROW_BYTES` each (order kept). */
export function packRows(envelopes: readonly string[], maxBytes = MAX_ROW_BYTES): string[] {
  const rows: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const e of envelopes) {
    if (current.length > 0 && size + e.length + 1 > maxBytes) {
      rows.push(`[${current.join(",")}]`);
      current = [];
      size = 0;
    }
    current.push(e);
    size += e.length + 1;
  }
  if (current.length > 0) rows.push(`[${current.join(",")}]`);
  return rows;
}
