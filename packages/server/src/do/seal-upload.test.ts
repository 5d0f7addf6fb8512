import { describe, expect, test } from "vitest";
import { fillParts, SEAL_PART_BYTES, SealBuffer } from "./seal-upload.js";

const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);

describe("fillParts", () => {
  test("every part but the last is the buffer's size, and the parts are the chunks in order", () => {
    const chunks = [bytes(3, 1), bytes(11, 2), bytes(0, 3), bytes(5, 4), bytes(2, 5)];
    const buf = new Uint8Array(4);
    const parts: number[][] = [];
    // Copied at once: the next part overwrites the buffer.
    for (const p of fillParts(chunks, buf)) parts.push([...p]);
    expect(parts.slice(0, -1).every((p) => p.length === 4)).toBe(true);
    expect(parts.at(-1)!.length).toBe(1);
    expect(parts.flat()).toEqual(chunks.flatMap((c) => [...c]));
  });

  test("an exact multiple ends with a full part, and no input gives no part", () => {
    expect([...fillParts([bytes(8, 0)], new Uint8Array(4))].map((p) => p.length)).toEqual([4, 4]);
    expect([...fillParts([], new Uint8Array(4))]).toEqual([]);
  });
});

describe("SealBuffer", () => {
  test("is capped at one part and reused when large enough", () => {
    const b = new SealBuffer();
    const small = b.take(10);
    expect(small.length).toBe(10);
    expect(b.take(5)).toBe(small);
    const big = b.take(64 * SEAL_PART_BYTES);
    expect(big.length).toBe(SEAL_PART_BYTES);
    expect(b.take(SEAL_PART_BYTES + 1)).toBe(big);
  });
});
