/**
 * Bytes in, counted where they are stored: the StreamDO knows how many bytes
 * an append added whether or not the request declared a Content-Length (a
 * chunked body has none), and a duplicate or rejected append adds none. The
 * object's isolate flushes its counts on a timer (recorder.ts).
 */
import { count, scheduleFlush } from "./recorder.js";

/** An append stored `bytes` bytes on stream `key` (`project/name`). */
export function countStoredBytes(key: string, bytes: number): void {
  if (bytes <= 0) return;
  const i = key.indexOf("/");
  count(key.slice(0, i), key.slice(i + 1), "bytesIn", bytes);
  scheduleFlush();
}
