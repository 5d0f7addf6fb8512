/**
 * Server-Sent Events encoding (PROTOCOL.md §5.8). Every line of a payload is
 * its own `data:` line, so CR, LF or CRLF inside stream data can never end an
 * event or start a forged one.
 */
const LINE_BREAK = /\r\n|\r|\n/;

/** The fields of a control event, in wire (camelCase) form. */
export interface ControlEvent {
  streamNextOffset: string;
  streamCursor?: string;
  upToDate?: true;
  streamClosed?: true;
}

/**
 * Encodes one SSE event. Lines are written `data:<line>`; a line that starts
 * with a space gets one extra space, because parsers strip exactly one. The
 * `id:` line, if any, comes last: protocol clients that match
 * `event: control\ndata:` keep working, and EventSource remembers it.
 */
export function encodeEvent(event: string, payload: string, id?: string): string {
  const lines = payload.split(LINE_BREAK).map((l) => (l.startsWith(" ") ? `data: ${l}\n` : `data:${l}\n`));
  if (id !== undefined && (LINE_BREAK.test(id) || id.includes("\0")))
    throw new Error("An SSE id cannot hold CR, LF or NUL");
  return `event: ${event}\n${lines.join("")}${id === undefined ? "" : `id:${id}\n`}\n`;
}

/** Encodes a data event carrying text (text types and JSON arrays). */
export function encodeTextData(text: string, id?: string): string {
  return encodeEvent("data", text, id);
}

/** Encodes a data event carrying bytes as standard base64. */
export function encodeBase64Data(bytes: Uint8Array, id?: string): string {
  return encodeEvent("data", toBase64(bytes), id);
}

/** Encodes a control event. */
export function encodeControl(control: ControlEvent, id?: string): string {
  return encodeEvent("control", JSON.stringify(control), id);
}

/** A keep-alive comment: ignored by clients, keeps proxies from timing out. */
export function encodeKeepAlive(): string {
  return ": keep-alive\n\n";
}

/** Standard (RFC 4648) base64 of bytes, without line breaks. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}
