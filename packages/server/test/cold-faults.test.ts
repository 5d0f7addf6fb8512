/**
 * Crash safety of segment rotation in real workerd: a seal interrupted after
 * each of its steps (the object aborts, or the whole process is killed) is
 * resumed — by the next seal or by the alarm with no request — and the stream
 * reads back byte-exact, with no duplicate and no orphan R2 object. Also the
 * 507 refusal near the storage limit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { forceRotate, parseToken, r2Keys, readToEnd, settled, stats, type ColdStats } from "./support/cold.js";
import { startLocalWorker } from "./support/local-worker.js";

const main = inject("baseUrl");
const STEPS = ["prepared", "uploaded", "headed"] as const;
let n = 0;
const url = (name: string, on = main) => `${on}/v1/stream/${name}-${Date.now().toString(36)}-${++n}`;
const dec = new TextDecoder();

/** The R2 keys a stream should have: its head and one object per sealed segment, nothing else. */
function expectedKeys(st: ColdStats, base = 0): string[] {
  const keys = [`streams/${st.doId}/head`];
  for (let i = 0; i < st.segments; i++) {
    keys.push(`streams/${st.doId}/${st.instance}/${String(base + i).padStart(16, "0")}`);
  }
  return keys.sort();
}

async function append(s: string, text: string): Promise<string> {
  const res = await fetch(s, { method: "POST", headers: { "content-type": "text/plain" }, body: text });
  expect(res.status).toBe(204);
  return res.headers.get("stream-next-offset")!;
}

async function readAll(s: string): Promise<{ text: string; next: string }> {
  const { bodies, next } = await readToEnd(s);
  return { text: bodies.map((b) => dec.decode(b)).join(""), next };
}

describe("rotation faults", () => {
  test("a seal crashed after each step resumes with no loss, duplicate or orphan", async () => {
    const s = url("fault-steps");
    expect((await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
    let written = "";
    let tail = "";
    for (const [i, step] of STEPS.entries()) {
      for (let k = 0; k < 3; k++) {
        const piece = `[${step}:${k}:${"x".repeat(100 * (i + k))}]`;
        written += piece;
        tail = await append(s, piece);
      }
      expect(await forceRotate(s, step)).toMatchObject({ crashed: true });
      // Pending until resumed (the retry alarm may already have finished it).
      const crashed = await stats(s);
      expect(crashed.segments + crashed.pendingSegments).toBe(i + 1);
      expect((await readAll(s)).text).toBe(written);

      // An append between the crash and the resume goes to the next segment.
      const extra = `(after ${step})`;
      written += extra;
      tail = await append(s, extra);
      expect((await forceRotate(s, "resume")).crashed).toBe(false);
      const st = await stats(s);
      expect(st).toMatchObject({ pendingSegments: 0, segments: i + 1 });
      expect(st.logRows).toBe(1);
      const read = await readAll(s);
      expect(read.text).toBe(written);
      // The tail's offset never changes when data moves to R2.
      expect(read.next).toBe(tail);
      expect((await r2Keys(s)).sort()).toEqual(expectedKeys(st));
    }
    // Seal the rest and read once more from the start, and from every append offset.
    await forceRotate(s);
    const st = await stats(s);
    expect(st).toMatchObject({ logRows: 0, pendingSegments: 0, segments: STEPS.length + 1 });
    expect((await r2Keys(s)).sort()).toEqual(expectedKeys(st));
    expect((await readAll(s)).text).toBe(written);
  }, 60_000);

  test("the alarm finishes a crashed seal with no request arriving", async () => {
    const s = url("fault-alarm");
    await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" }, body: "first;" });
    await append(s, "second;");
    expect(await forceRotate(s, "uploaded")).toMatchObject({ crashed: true });
    expect((await stats(s)).alarmAt).not.toBeNull();
    const st = await settled(s);
    expect(st).toMatchObject({ segments: 1, pendingSegments: 0, logRows: 0 });
    expect((await r2Keys(s)).sort()).toEqual(expectedKeys(st));
    expect((await readAll(s)).text).toBe("first;second;");
  }, 30_000);

  test("a killed process resumes its seal after restart; near the storage limit appends get 507", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-edge-cold-"));
    const vars = { ...TEST_VARS, HOT_STORAGE_LIMIT_BYTES: String(512 * 1024) };
    let worker = await startLocalWorker({ vars, persistTo: dir });
    try {
      const s = url("fault-kill", worker.url);
      await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" }, body: "a".repeat(1000) });
      const tail = await append(s, "b".repeat(1000));
      expect(await forceRotate(s, "headed")).toMatchObject({ crashed: true });
      await worker.kill();
      worker = await startLocalWorker({ vars, persistTo: dir, port: worker.port });
      const st = await settled(s);
      expect(st).toMatchObject({ segments: 1, pendingSegments: 0, logRows: 0 });
      expect((await r2Keys(s)).sort()).toEqual(expectedKeys(st));
      const read = await readAll(s);
      expect(read.text).toBe("a".repeat(1000) + "b".repeat(1000));
      expect(read.next).toBe(tail);

      // Hot data up to the limit (no seal below 4 MiB): then a clear 507, and nothing changes.
      let written = read.text;
      let refused: Response | undefined;
      for (let i = 0; i < 20 && !refused; i++) {
        const piece = String(i % 10).repeat(64 * 1024);
        const res = await fetch(s, { method: "POST", headers: { "content-type": "text/plain" }, body: piece });
        if (res.status === 507) refused = res;
        else {
          expect(res.status).toBe(204);
          written += piece;
        }
      }
      expect(refused?.status).toBe(507);
      expect(await refused!.json()).toMatchObject({ error: { code: "insufficient_storage" } });
      expect((await readAll(s)).text).toBe(written);
      // Moving the hot log to R2 makes room again.
      await forceRotate(s);
      expect((await fetch(s, { method: "POST", headers: { "content-type": "text/plain" }, body: "z" })).status).toBe(
        204,
      );
      expect((await readAll(s)).text).toBe(written + "z");
      expect(parseToken((await readAll(s)).next).position).toBe(written.length + 1);
    } finally {
      await worker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
