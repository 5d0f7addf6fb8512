/**
 * One SSE data event written in pieces (a JSON message larger than a read):
 * the same wire form as `encodeEvent` (sse.ts) — every payload line its own
 * `data:` line, one extra space before a line that starts with a space — but
 * from UTF-8 bytes that arrive in chunks, without decoding them (CR, LF and
 * space never occur inside a multi-byte character), so a piece costs no
 * copies beyond the views written, and a CRLF split across chunks is still
 * one line break.
 */
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const enc = new TextEncoder();
const DATA = enc.encode("data:");
const DATA_SPACE = enc.encode("data: ");
const NL = enc.encode("\n");
const EMPTY_LINE = enc.encode("data:\n");

/** Streams one `data` event; `begin()`, then `push()` each chunk, then `end(id)`; each returns byte views to write. */
export class SseDataLines {
  private lineStart = true;
  private pendingCr = false;

  /** The event's first line. */
  begin(): Uint8Array[] {
    return [enc.encode("event: data\n")];
  }

  /** Encodes the next chunk of the payload. */
  push(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    // A CR ended the previous chunk: an LF right after it belongs to that break.
    if (this.pendingCr && bytes.length > 0) {
      this.pendingCr = false;
      if (bytes[0] === LF) i = 1;
    }
    while (i < bytes.length) {
      let end = i;
      while (end < bytes.length && bytes[end] !== CR && bytes[end] !== LF) end++;
      if (end > i) {
        if (this.lineStart) out.push(bytes[i] === SPACE ? DATA_SPACE : DATA);
        this.lineStart = false;
        out.push(bytes.subarray(i, end));
      }
      if (end === bytes.length) break;
      out.push(this.lineStart ? EMPTY_LINE : NL);
      this.lineStart = true;
      if (bytes[end] === CR && end + 1 === bytes.length) this.pendingCr = true;
      i = bytes[end] === CR && bytes[end + 1] === LF ? end + 2 : end + 1;
    }
    return out;
  }

  /** Ends the last line and the event, with its `id:` line. */
  end(id: string): Uint8Array[] {
    return [this.lineStart ? EMPTY_LINE : NL, enc.encode(`id:${id}\n\n`)];
  }
}
