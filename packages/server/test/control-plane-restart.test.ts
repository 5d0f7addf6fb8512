/**
 * On a Worker of its own: the durable alarm schedule survives a killed
 * process (every pending job still runs, and a job scheduled after the
 * restart never replaces an earlier one), and a producer's stalled upload
 * holds back only that producer, for at most PRODUCER_TURN_TIMEOUT_MS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { alarmJobs, eventually, trickle } from "./support/control-plane.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";

const VARS = { ...TEST_VARS, PRODUCER_TURN_TIMEOUT_MS: "1000" };
const dir = mkdtempSync(join(tmpdir(), "ds-control-"));
let worker: LocalWorker;
let n = 0;
const url = (name: string) => `${worker.url}/v1/stream/${name}-${Date.now().toString(36)}-${++n}`;
const append = (s: string, headers: Record<string, string>, body: BodyInit) =>
  fetch(s, {
    method: "POST",
    headers: { "content-type": "text/plain", ...headers },
    body,
    duplex: "half",
  } as RequestInit);

beforeAll(async () => {
  worker = await startLocalWorker({ vars: VARS, persistTo: dir });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("producer turns", () => {
  test("a stalled upload holds back only its own producer, and only up to the bound", async () => {
    const s = url("stalled");
    expect((await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
    const stalled = trickle();
    const first = append(s, { "producer-id": "slow", "producer-epoch": "0", "producer-seq": "0" }, stalled.body);
    stalled.push(new TextEncoder().encode("s0"));
    await new Promise((r) => setTimeout(r, 300));

    const t0 = Date.now();
    const other = await append(s, { "producer-id": "fast", "producer-epoch": "0", "producer-seq": "0" }, "f0");
    expect(other.status).toBe(200);
    expect((await append(s, {}, "p")).status).toBe(204);
    expect(Date.now() - t0).toBeLessThan(900); // neither waited for the stalled producer's turn

    const next = await append(s, { "producer-id": "slow", "producer-epoch": "0", "producer-seq": "1" }, "s1");
    expect(next.status).toBe(503);
    expect(next.headers.get("retry-after")).toBe("1");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);

    stalled.push(new TextEncoder().encode("!"));
    stalled.end();
    expect((await first).status).toBe(200);
    const retried = await append(s, { "producer-id": "slow", "producer-epoch": "0", "producer-seq": "1" }, "s1");
    expect(retried.status).toBe(200);
    expect(await (await fetch(`${s}?offset=-1`)).text()).toBe("f0ps0!s1");
  });
});

describe("alarm schedule", () => {
  test("after the process is killed every pending job runs, and a later job never replaces them", async () => {
    const s = url("alarm-kill");
    expect((await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(201);
    await alarmJobs(s, "early", 8_000);
    const before = await alarmJobs(s, "second", 11_000);
    expect(Object.keys(before.pending).sort()).toEqual(["debug-early", "debug-second"]);
    expect(before.alarmAt).toBe(before.pending["debug-early"]);

    await worker.kill();
    worker = await startLocalWorker({ vars: VARS, persistTo: dir, port: worker.port });

    // Scheduled by the new process and later than both: the alarm stays at the earliest pending job.
    const after = await alarmJobs(s, "late", 120_000);
    const earlier = Object.entries(after.pending).filter(([job]) => job !== "debug-late");
    if (earlier.length > 0) expect(after.alarmAt).toBe(Math.min(...earlier.map(([, at]) => at)));

    const ran = async () =>
      Object.keys((await alarmJobs(s)).ran)
        .sort()
        .join(",") === "debug-early,debug-second";
    await eventually(ran, 30_000, "both jobs to run");
    const done = await alarmJobs(s);
    expect(Object.keys(done.pending)).toEqual(["debug-late"]);
    expect(done.alarmAt).toBe(done.pending["debug-late"]);
    expect(await (await fetch(`${s}?offset=-1`)).text()).toBe("x");
  }, 90_000);
});
