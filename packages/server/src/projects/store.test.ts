/** The project cache: names are validated before KV, absent projects are cached apart from real ones. */
import { describe, expect, test } from "vitest";
import type { Env } from "../env.js";
import { parseCreate } from "./admin-input.js";
import { findProject, saveProject, unknownProject } from "./store.js";

/** An Env whose PROJECTS namespace is a Map that counts reads. */
function fakeEnv() {
  const data = new Map<string, string>();
  const reads: string[] = [];
  const kv = {
    get: async (key: string) => {
      reads.push(key);
      const v = data.get(key);
      return v === undefined ? null : JSON.parse(v);
    },
    put: async (key: string, value: string) => void data.set(key, value),
  };
  const env = { PROJECTS: kv, PROJECT_CACHE_TTL_MS: "60000" } as unknown as Env;
  return { env, reads };
}

function config(name: string) {
  const c = parseCreate({ name }, "2026-01-01T00:00:00.000Z");
  if (typeof c === "string") throw new Error(c);
  return c.config;
}

describe("project store", () => {
  test("invalid names never reach KV", async () => {
    const { env, reads } = fakeEnv();
    for (const name of ["Bad!", "", "x".repeat(64), "../etc", "-lead"]) expect(await findProject(env, name)).toBeNull();
    expect(reads).toEqual([]);
  });

  test("an absent project costs one KV read per negative-cache TTL, not one per request", async () => {
    const { env, reads } = fakeEnv();
    for (let i = 0; i < 5; i++) expect(await findProject(env, "ghost-1")).toBeNull();
    expect(reads).toEqual(["project:ghost-1"]);
  });

  test("a flood of unknown names cannot evict real projects; creating one clears its negative entry", async () => {
    const { env, reads } = fakeEnv();
    await saveProject(env, config("real-1"));
    for (let i = 0; i < 3000; i++) await findProject(env, `nobody-${i}`);
    const before = reads.length;
    expect((await findProject(env, "real-1"))?.name).toBe("real-1");
    expect(reads.length).toBe(before);
    expect(await findProject(env, "later-1")).toBeNull();
    await saveProject(env, config("later-1"));
    expect((await findProject(env, "later-1"))?.name).toBe("later-1");
  });

  test("an unknown project's stand-in has no keys and no anonymous access", () => {
    const p = unknownProject("ghost-2");
    expect(p).toMatchObject({ name: "ghost-2", anonymous: "none", keys: [] });
  });
});
