/**
 * Fan-out that never stalls and stays inside its budgets, against a separate
 * local Worker with small limits: a session whose appends hang does not hold
 * the queue or the other sessions and is served once it answers again; a
 * session whose appends commit but whose answers are always lost holds each
 * message once and is parked instead of pinning the outbox; a source that
 * commits a consumer's report and never answers does not hold the queue; a
 * session that refuses forever is parked (visible in the session and in the
 * source's stats, no longer pinning the outbox) and resumes on refresh; and a
 * fan-out to many sessions never makes more subrequests per invocation than
 * ESTUARY_SUBREQUEST_BUDGET. Nothing below asks a source to deliver.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  estuary,
  eventually,
  publish,
  readAll,
  setFaults,
  sourceStats,
  subscribe,
  type SessionJson,
} from "./support/estuary.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";

const BUDGET = 60;
const VARS = {
  DEBUG_ENDPOINTS: "true",
  ESTUARY_QUEUE_THRESHOLD: "40",
  ESTUARY_CALL_TIMEOUT_MS: "1500",
  ESTUARY_PARK_AFTER_MS: "3000",
  ESTUARY_SUBREQUEST_BUDGET: String(BUDGET),
};

let worker: LocalWorker;
let n = 0;
const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;
const url = (name: string) => `${worker.url}/v1/stream/${name}`;
const datas = async (id: string) => (await readAll(url(id))).map((e) => e.data);

async function createSources(...names: string[]): Promise<void> {
  for (const name of names) {
    const res = await fetch(url(name), { method: "PUT", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(201);
  }
}

async function session(id: string): Promise<SessionJson> {
  const res = await estuary(worker.url, "GET", `/default/${id}`);
  return ((await res.json()) as { session: SessionJson }).session;
}

describe("estuary fan-out: stuck sessions and budgets", () => {
  beforeAll(async () => {
    worker = await startLocalWorker({ vars: VARS });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("a hung session append holds neither the queue nor the others; the hung session is served afterwards", async () => {
    const queued = uniq("hq-src");
    const inline = uniq("hi-src");
    await createSources(queued, inline);
    const hung = uniq("hung");
    const others = Array.from({ length: 44 }, (_, i) => uniq(`ok${i}`));
    // 45 sessions on `queued` (above the threshold of 40: the queue), 3 on `inline`.
    for (const id of [hung, ...others]) await subscribe(worker.url, queued, id);
    for (const id of [hung, ...others.slice(0, 2)]) await subscribe(worker.url, inline, id);
    await setFaults(worker.url, hung, { hangAppends: 2, hangMs: 120_000 });
    await publish(url(queued), { q: 1 });
    await publish(url(inline), { i: 1 });
    await eventually(
      async () => (await Promise.all(others.map(datas))).every((d) => d.length >= 1),
      20_000,
      "everyone else got round 1",
    );
    // The queue is not held by the hung call: a second round reaches everyone else too.
    await publish(url(queued), { q: 2 });
    await publish(url(inline), { i: 2 });
    await eventually(
      async () =>
        (await Promise.all(others.map(async (id, i) => (await datas(id)).length === (i < 2 ? 4 : 2)))).every(Boolean),
      20_000,
      "everyone else got round 2",
    );
    // The hung session gets everything once its appends answer again, from the sources' own retries.
    await eventually(async () => (await datas(hung)).length === 4, 30_000, "the hung session caught up");
    const got = await datas(hung);
    expect(got.filter((d) => "q" in (d as object))).toEqual([{ q: 1 }, { q: 2 }]);
    expect(got.filter((d) => "i" in (d as object))).toEqual([{ i: 1 }, { i: 2 }]);
  }, 90_000);

  test("fan-out acknowledgement: every reply of a session's appends is lost after they committed; the session holds the message once, is parked and frees the outbox", async () => {
    const src = uniq("la-src");
    await createSources(src);
    const lost = uniq("lost");
    const fine = uniq("fine");
    await subscribe(worker.url, src, lost);
    await subscribe(worker.url, src, fine);
    // Each retried append is a producer duplicate that commits nothing, and its answer is lost too.
    await setFaults(worker.url, lost, { loseAppends: 1_000_000 });
    await publish(url(src), { m: 1 });
    // Without parking the source retries forever and its outbox stays pinned.
    await eventually(async () => (await sourceStats(worker.url, src)).estuary.outboxRows === 0, 30_000, "freed");
    expect((await sourceStats(worker.url, src)).estuary.parked).toBe(1);
    expect(await datas(lost)).toEqual([{ m: 1 }]);
    expect(await datas(fine)).toEqual([{ m: 1 }]);
  }, 60_000);

  test("hung consumer call: the source commits a queue consumer's report and never answers; the queue is not held", async () => {
    const first = uniq("hr-src");
    const second = uniq("hr-src2");
    await createSources(first, second);
    // 41 sessions each: above the threshold of 40, so both fan-outs go through the (one) local queue.
    const ids = Array.from({ length: 41 }, (_, i) => uniq(`hr${i}`));
    for (const id of ids) await subscribe(worker.url, first, id);
    for (const id of ids) await subscribe(worker.url, second, id);
    await setFaults(worker.url, first, { hangReport: 1, hangMs: 120_000 });
    await publish(url(first), { a: 1 });
    await eventually(
      async () => (await Promise.all(ids.map(datas))).every((d) => d.length === 1),
      20_000,
      "the first fan-out delivered (its report then hangs)",
    );
    // The hung report must not hold the queue: the other source's fan-out gets through it.
    await publish(url(second), { b: 1 });
    await eventually(
      async () => (await Promise.all(ids.map(datas))).every((d) => d.length === 2),
      20_000,
      "the second fan-out, past the hung call",
    );
    for (const src of [first, second]) {
      await eventually(async () => (await sourceStats(worker.url, src)).estuary.outboxRows === 0, 20_000, "acked");
    }
    for (const id of ids) expect(await datas(id), id).toEqual([{ a: 1 }, { b: 1 }]);
  }, 90_000);

  test("a session refusing forever is parked: shown in the session and the source, outbox freed, resumed on refresh", async () => {
    const src = uniq("pk-src");
    await createSources(src);
    const stuck = uniq("stuck");
    const fine = uniq("fine");
    await subscribe(worker.url, src, stuck);
    await subscribe(worker.url, src, fine);
    await setFaults(worker.url, stuck, { failAppends: 1_000_000 });
    await publish(url(src), { m: 1 });
    await eventually(async () => (await sourceStats(worker.url, src)).estuary.parked === 1, 30_000, "parked");
    expect((await sourceStats(worker.url, src)).estuary.outboxRows).toBe(0);
    expect(await datas(fine)).toEqual([{ m: 1 }]);
    await eventually(async () => (await session(stuck)).subscriptions[0]?.parked !== undefined, 10_000, "told");
    const parked = (await session(stuck)).subscriptions[0]!.parked!;
    // The first message it missed: reading the source from there returns it.
    const missed = await fetch(`${url(src)}?offset=${parked.fromOffset}`);
    expect(await missed.json()).toEqual([{ m: 1 }]);
    // While parked it pins nothing: more publishes leave no outbox rows behind.
    await publish(url(src), { m: 2 });
    await eventually(async () => (await datas(fine)).length === 2, 10_000, "fine got m2");
    expect((await sourceStats(worker.url, src)).estuary.outboxRows).toBe(0);

    await setFaults(worker.url, stuck, {});
    const refreshed = await estuary(worker.url, "POST", `/default/${stuck}/refresh`);
    expect(refreshed.status).toBe(200);
    const sub = ((await refreshed.json()) as { session: SessionJson }).session.subscriptions[0]!;
    expect(sub.parked).toBeUndefined();
    expect(sub.missed?.from).toBe(parked.fromOffset);
    expect((await sourceStats(worker.url, src)).estuary.parked).toBe(0);
    await publish(url(src), { m: 3 });
    await eventually(async () => (await datas(stuck)).length === 1, 15_000, "resumed delivery");
    expect(await datas(stuck)).toEqual([{ m: 3 }]);
    // The gap [missed.from, missed.to) is exactly what it did not get.
    const gap = await fetch(`${url(src)}?offset=${sub.missed!.from}`);
    expect(gap.headers.get("stream-next-offset")).not.toBeNull();
  }, 90_000);

  test(`fan-out to 100 sessions never makes more than ${BUDGET} subrequests in one invocation`, async () => {
    const viaQueue = uniq("bq-src");
    const viaInline = uniq("bi-src");
    await createSources(viaQueue, viaInline);
    const many = Array.from({ length: 65 }, (_, i) => uniq(`bq${i}`));
    const some = Array.from({ length: 35 }, (_, i) => uniq(`bi${i}`));
    for (const id of many) await subscribe(worker.url, viaQueue, id);
    for (const id of some) await subscribe(worker.url, viaInline, id);
    for (let r = 0; r < 3; r++) {
      await publish(url(viaQueue), { r });
      await publish(url(viaInline), { r });
    }
    const want = [{ r: 0 }, { r: 1 }, { r: 2 }];
    await eventually(
      async () => (await Promise.all([...many, ...some].map(datas))).every((d) => d.length >= 3),
      60_000,
      "all delivered",
    );
    for (const id of [...many, ...some]) expect(await datas(id), id).toEqual(want);
    // 35 inline sessions × 3 rows = 105 appends, 65 queued × 3 = 195: each took several invocations.
    const inlineStats = (await sourceStats(worker.url, viaInline)).estuary.subrequests;
    expect(inlineStats.max).toBeGreaterThan(0);
    expect(inlineStats.max).toBeLessThanOrEqual(BUDGET);
    expect((await sourceStats(worker.url, viaQueue)).estuary.subrequests.max).toBeLessThanOrEqual(BUDGET);
    const metrics = (await (await fetch(`${worker.url}/v1/metrics`)).json()) as Record<string, number>;
    expect(metrics.estuaryConsumerSubrequestsMax).toBeGreaterThan(0);
    expect(metrics.estuaryConsumerSubrequestsMax).toBeLessThanOrEqual(BUDGET);
    for (const src of [viaQueue, viaInline]) {
      await eventually(async () => (await sourceStats(worker.url, src)).estuary.outboxRows === 0, 10_000, "trimmed");
    }
  }, 120_000);
});
