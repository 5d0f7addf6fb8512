/**
 * A byte-level JSON validator that finds message boundaries (PROTOCOL.md
 * §9.1) as the body arrives, chunk by chunk: no decoding to a string, no
 * parse tree, no per-element allocation — only the [start, end) positions of
 * each message. A top-level array yields one message per element; any other
 * value is one message. It stops at the first error, or as soon as the body
 * holds more messages than allowed.
 */
import { failure, type Failure } from "./errors.js";

const MAX_DEPTH = 512;
const ARRAY = 1;
const OBJECT = 2;

// States.
const VALUE = 0; // a value must follow
const VALUE_OR_CLOSE = 1; // after '['
const KEY_OR_CLOSE = 2; // after '{'
const KEY = 3; // after ',' in an object
const COLON = 4;
const AFTER = 5; // after a value: ',' or a closing bracket
const STRING = 6;
const ESCAPE = 7;
const UNICODE = 8;
const MINUS = 9;
const ZERO = 10;
const INT = 11;
const FRAC_START = 12;
const FRAC = 13;
const EXP_START = 14;
const EXP_SIGN = 15;
const EXP = 16;
const LITERAL = 17;
const END = 18;

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const LITERALS: Record<number, number[]> = {
  0x74: [0x72, 0x75, 0x65], // true
  0x66: [0x61, 0x6c, 0x73, 0x65], // false
  0x6e: [0x75, 0x6c, 0x6c], // null
};

/** Finds the messages of a JSON body fed in chunks; `bounds` holds start, end pairs. */
export class JsonScanner {
  /** Message boundaries, flat: start0, end0, start1, end1, ... (absolute byte positions). */
  readonly bounds: number[] = [];
  /** True when the body is a top-level array (its elements are the messages). */
  topArray = false;
  private readonly stack = new Uint8Array(MAX_DEPTH);
  private depth = 0;
  private state = VALUE;
  private pos = 0;
  private key = false;
  private hex = 0;
  private literal: number[] = [];
  private literalAt = 0;
  /** UTF-8 inside strings: continuation bytes still due, and the range of the next one. */
  private utfNeed = 0;
  private utfLo = 0x80;
  private utfHi = 0xbf;

  constructor(private readonly maxMessages: number) {}

  /** Scans the next chunk; a Failure stops the scan (400 invalid JSON, 413 too many messages). */
  push(chunk: Uint8Array): Failure | null {
    let i = 0;
    // A UTF-8 byte order mark is not part of the JSON text.
    if (this.pos === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    for (; i < chunk.length; i++) {
      const err = this.step(chunk[i]!, this.pos + i);
      if (err) return err;
    }
    this.pos += chunk.length;
    return null;
  }

  /** The body ended: the scan is complete, or the body is cut short. */
  finish(): Failure | null {
    if (this.state === ZERO || this.state === INT || this.state === FRAC || this.state === EXP) {
      if (this.depth === 0) this.valueDone(this.pos);
    }
    if (this.state === END) return null;
    return invalid("unexpected end of input");
  }

  /** Number of messages found so far. */
  get count(): number {
    return this.bounds.length / 2;
  }

  private step(c: number, at: number): Failure | null {
    switch (this.state) {
      case VALUE:
      case VALUE_OR_CLOSE:
        if (isWs(c)) return null;
        if (c === 0x5d && this.state === VALUE_OR_CLOSE) return this.close(ARRAY, at);
        return this.startValue(c, at);
      case KEY_OR_CLOSE:
      case KEY:
        if (isWs(c)) return null;
        if (c === 0x7d && this.state === KEY_OR_CLOSE) return this.close(OBJECT, at);
        if (c !== 0x22) return unexpected(c, at);
        this.key = true;
        this.state = STRING;
        return null;
      case COLON:
        if (isWs(c)) return null;
        if (c !== 0x3a) return unexpected(c, at);
        this.state = VALUE;
        return null;
      case AFTER:
        if (isWs(c)) return null;
        if (c === 0x2c) {
          this.state = this.stack[this.depth - 1] === OBJECT ? KEY : VALUE;
          return null;
        }
        if (c === 0x5d) return this.close(ARRAY, at);
        if (c === 0x7d) return this.close(OBJECT, at);
        return unexpected(c, at);
      case STRING:
        return this.stringByte(c, at);
      case ESCAPE:
        if (c === 0x75) {
          this.hex = 4;
          this.state = UNICODE;
        } else if ([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].includes(c)) this.state = STRING;
        else return unexpected(c, at);
        return null;
      case UNICODE:
        if (!isHex(c)) return unexpected(c, at);
        if (--this.hex === 0) this.state = STRING;
        return null;
      case LITERAL:
        if (c !== this.literal[this.literalAt]) return unexpected(c, at);
        if (++this.literalAt === this.literal.length) return this.valueDone(at + 1);
        return null;
      case END:
        return isWs(c) ? null : unexpected(c, at);
      default:
        return this.numberByte(c, at);
    }
  }

  private startValue(c: number, at: number): Failure | null {
    if (this.depth === 0) this.topArray = c === 0x5b;
    else if (this.depth === 1 && this.topArray) {
      if (this.count >= this.maxMessages) return tooMany(this.maxMessages);
      this.bounds.push(at);
    }
    if (this.depth === 0 && !this.topArray) this.bounds.push(at);
    if (c === 0x5b || c === 0x7b) {
      if (this.depth >= MAX_DEPTH) return invalid(`nesting deeper than ${MAX_DEPTH} levels`);
      this.stack[this.depth++] = c === 0x5b ? ARRAY : OBJECT;
      this.state = c === 0x5b ? VALUE_OR_CLOSE : KEY_OR_CLOSE;
      return null;
    }
    if (c === 0x22) {
      this.key = false;
      this.state = STRING;
      return null;
    }
    if (c === 0x2d) this.state = MINUS;
    else if (c === 0x30) this.state = ZERO;
    else if (isDigit(c)) this.state = INT;
    else if (LITERALS[c]) {
      this.literal = LITERALS[c]!;
      this.literalAt = 0;
      this.state = LITERAL;
    } else return unexpected(c, at);
    return null;
  }

  private close(kind: number, at: number): Failure | null {
    if (this.depth === 0 || this.stack[this.depth - 1] !== kind) return unexpected(kind === ARRAY ? 0x5d : 0x7d, at);
    this.depth -= 1;
    return this.valueDone(at + 1);
  }

  /** A value ended just before `end`. */
  private valueDone(end: number): Failure | null {
    if (this.depth === 0) {
      if (!this.topArray) this.bounds.push(end);
      this.state = END;
    } else {
      if (this.depth === 1 && this.topArray) this.bounds.push(end);
      this.state = AFTER;
    }
    return null;
  }

  private stringByte(c: number, at: number): Failure | null {
    if (this.utfNeed > 0) {
      if (c < this.utfLo || c > this.utfHi) return badUtf8();
      this.utfNeed -= 1;
      this.utfLo = 0x80;
      this.utfHi = 0xbf;
      return null;
    }
    if (c === 0x22) {
      if (this.key) {
        this.state = COLON;
        return null;
      }
      return this.valueDone(at + 1);
    }
    if (c === 0x5c) this.state = ESCAPE;
    else if (c < 0x20) return unexpected(c, at);
    else if (c >= 0x80) return this.utfLead(c);
    return null;
  }

  /** A UTF-8 lead byte: how many continuation bytes follow, and the range of the first (no overlongs, no surrogates). */
  private utfLead(c: number): Failure | null {
    if (c >= 0xc2 && c <= 0xdf) this.utfNeed = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      this.utfNeed = 2;
      if (c === 0xe0) this.utfLo = 0xa0;
      if (c === 0xed) this.utfHi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      this.utfNeed = 3;
      if (c === 0xf0) this.utfLo = 0x90;
      if (c === 0xf4) this.utfHi = 0x8f;
    } else return badUtf8();
    return null;
  }

  private numberByte(c: number, at: number): Failure | null {
    const digit = isDigit(c);
    switch (this.state) {
      case MINUS:
        if (!digit) return unexpected(c, at);
        this.state = c === 0x30 ? ZERO : INT;
        return null;
      case FRAC_START:
        if (!digit) return unexpected(c, at);
        this.state = FRAC;
        return null;
      case EXP_START:
        if (c === 0x2b || c === 0x2d) this.state = EXP_SIGN;
        else if (digit) this.state = EXP;
        else return unexpected(c, at);
        return null;
      case EXP_SIGN:
        if (!digit) return unexpected(c, at);
        this.state = EXP;
        return null;
    }
    if (digit && this.state !== ZERO) return null;
    if (c === 0x2e && (this.state === ZERO || this.state === INT)) {
      this.state = FRAC_START;
      return null;
    }
    if ((c === 0x65 || c === 0x45) && this.state !== EXP) {
      this.state = EXP_START;
      return null;
    }
    // The number ended at this byte, which belongs to what follows.
    this.valueDone(at);
    return this.step(c, at);
  }
}

function invalid(why: string): Failure {
  return failure(400, "invalid_json", `Body is not valid JSON: ${why}`);
}

function unexpected(c: number, at: number): Failure {
  const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`;
  return invalid(`unexpected ${shown} at position ${at}`);
}

function badUtf8(): Failure {
  return failure(400, "invalid_json", "JSON body is not valid UTF-8");
}

function tooMany(max: number): Failure {
  return failure(
    413,
    "too_many_messages",
    `JSON array has more than ${max} elements; MAX_APPEND_MESSAGES limits messages per append, so split it into smaller appends`,
  );
}
