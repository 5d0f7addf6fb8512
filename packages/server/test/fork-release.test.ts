/**
 * A fork that cannot reach its source when it is deleted keeps a tombstone
 * and retries, so the source's fork count never drifts: not when the retry
 * comes from the alarm, and not when a new stream is created at the fork's
 * path first (it finishes the release, or answers 503 until it can).
 */
import { describe, expect, test } from "vitest";
import { streamUrl } from "./support/util.js";

const debug = (url: string, route: string) => url.replace("/v1/stream/", `/v1/_debug/${route}/`);
const meta = async (url: string) => ((await (await fetch(debug(url, "storage"))).json()) as { meta: boolean }).meta;
const failReleases = (url: string, count: number) =>
  fetch(`${debug(url, "fail-releases")}?count=${count}`, { method: "POST" }).then((r) => expect(r.status).toBe(200));
const put = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: "PUT", headers: { "content-type": "text/plain", ...headers }, body: "x" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A soft-deleted source with one fork whose next `failures` releases fail; then the fork is deleted. */
async function orphanedFork(name: string, failures: number): Promise<{ source: string; fork: string }> {
  const source = streamUrl(`${name}-src`);
  const fork = streamUrl(`${name}-fork`);
  expect((await put(source)).status).toBe(201);
  expect((await put(fork, { "stream-forked-from": new URL(source).pathname })).status).toBe(201);
  expect((await fetch(source, { method: "DELETE" })).status).toBe(204);
  expect((await fetch(source)).status).toBe(410); // soft-deleted: the fork still reads it
  await failReleases(fork, failures);
  expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
  return { source, fork };
}

describe("fork release", () => {
  test("a failed release is retried from the fork's alarm and then frees the source", async () => {
    const { source, fork } = await orphanedFork("release-alarm", 1);
    expect(await meta(source)).toBe(true); // the source is still held
    expect((await fetch(fork)).status).toBe(404);
    await sleep(6_500); // the retry alarm runs 5 s later
    expect(await meta(source)).toBe(false);
  }, 20_000);

  test("creating a stream at the fork's path first finishes the pending release", async () => {
    const { source, fork } = await orphanedFork("release-put", 1);
    expect(await meta(source)).toBe(true);
    expect((await put(fork)).status).toBe(201);
    expect(await meta(source)).toBe(false);
    expect(await (await fetch(`${fork}?offset=-1`)).text()).toBe("x");
  });

  test("while the release keeps failing, a create at the fork's path is 503 and changes nothing", async () => {
    const { source, fork } = await orphanedFork("release-503", 2);
    const res = await put(fork);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
    expect(await meta(source)).toBe(true);
    expect((await fetch(fork)).status).toBe(404);
    await sleep(6_500);
    expect(await meta(source)).toBe(false);
    expect((await put(fork)).status).toBe(201);
  }, 20_000);
});
