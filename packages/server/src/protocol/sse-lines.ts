/**
 * One SSE data event written in pieces (a JSON message larger than a read):
 * the same wire form as `encodeEvent` (sse.ts) — every payload line its own
 * `data:` line, one extra space before a line that starts with a space — but
 * from text that arrives in chunks, so a CR, LF or CRLF split across chunks
 * is still one line break.
 */
const BREAK = /[\r\n]/g;

/** Streams one `data` event; `begin()`, then `push()` each chunk, then `end(id)`. */
export class SseDataLines {
  private lineStart = true;
  private pendingCr = false;

  /** The event's first line. */
  begin(): string {
    return "event: data\n";
  }

  /** Encodes the next chunk of the payload. */
  push(text: string): string {
    let out = "";
    let i = 0;
    // A CR ended the previous chunk: an LF right after it belongs to that break.
    if (this.pendingCr && text.length > 0) {
      this.pendingCr = false;
      if (text[0] === "\n") i = 1;
    }
    while (i < text.length) {
      BREAK.lastIndex = i;
      const hit = BREAK.exec(text);
      const end = hit ? hit.index : text.length;
      if (end > i) {
        if (this.lineStart) out += text[i] === " " ? "data: " : "data:";
        this.lineStart = false;
        out += text.slice(i, end);
      }
      if (!hit) break;
      out += this.lineStart ? "data:\n" : "\n";
      this.lineStart = true;
      if (text[end] === "\r" && end + 1 === text.length) this.pendingCr = true;
      i = text[end] === "\r" && text[end + 1] === "\n" ? end + 2 : end + 1;
    }
    return out;
  }

  /** Ends the last line and the event, with its `id:` line. */
  end(id: string): string {
    return `${this.lineStart ? "data:\n" : "\n"}id:${id}\n\n`;
  }
}
