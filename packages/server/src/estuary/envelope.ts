/**
 * The envelope a fanned-out message travels in, and how a source append's
 * envelopes are packed into outbox rows. Pure: the StreamDO calls it inside
 * the append's transaction, the tests call it in Node.
 */

/** Messages larger than this are delivered as a reference (`truncated`), not inline. */
export const MAX_INLINE_MESSAGE_BYTES = 256 * 1024;
/** Most bytes of envelopes in one outbox row (DO SQLite rows stop at 2 MB). */
export const MAX_ROW_BYTES = 1024 * 1024;
/** Room for an envelope's own fields (stream name, offset, content type). */
const HEAD_ROOM = 8 * 1024;

/** Size limits of the outbox for a server whose appends take at most `maxAppendBytes`. */
export interface EnvelopeLimits {
  /** Largest message copied into its envelope (base64 grows bytes by 4/3). */
  readonly inlineBytes: number;
  /** Largest outbox row, which is one session append. */
  readonly rowBytes: number;
}

/** The limits for a server's append size, so that a delivery is never refused as too large. */
export function envelopeLimits(maxAppendBytes: number): EnvelopeLimits {
  const rowBytes = Math.min(MAX_ROW_BYTES, maxAppendBytes);
  const inlineBytes = Math.max(0, Math.min(MAX_INLINE_MESSAGE_BYTES, Math.floor(((rowBytes - HEAD_ROOM) * 3) / 4)));
  return { inlineBytes, rowBytes };
}

/** UTF-8 size of a string (rows are limited in bytes, not UTF-16 units). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

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
export function envelopeOf(
  stream: string,
  contentType: string,
  json: boolean,
  msg: SourceMessage,
  inlineBytes = MAX_INLINE_MESSAGE_BYTES,
): string {
  const head = `{"stream":${JSON.stringify(stream)},"offset":${JSON.stringify(msg.offset)}`;
  if (msg.data.length > inlineBytes) {
    return `${head},"truncated":true,"bytes":${msg.data.length}}`;
  }
  if (json) return `${head},"data":${decoder.decode(msg.data)}}`;
  return `${head},"contentType":${JSON.stringify(contentType)},"encoding":"base64","data":"${base64(msg.data)}"}`;
}

/** Packs envelopes into JSON-array bodies of at most `maxBytes` UTF-8 bytes each (order kept). */
export function packRows(envelopes: readonly string[], maxBytes = MAX_ROW_BYTES): string[] {
  const rows: string[] = [];
  let current: string[] = [];
  let size = 1;
  for (const e of envelopes) {
    const bytes = utf8Length(e) + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      rows.push(`[${current.join(",")}]`);
      current = [];
      size = 1;
    }
    current.push(e);
    size += bytes;
  }
  if (current.length > 0) rows.push(`[${current.join(",")}]`);
  return rows;
}
