/** Helpers for the catalog and admin read API tests. */
import { inject } from "vitest";
import { admin } from "./auth.js";

/** One listed stream, as the API answers. */
export interface Listed {
  name: string;
  bytes: number;
  messages: number;
  closed: boolean;
  lastAppendAt: number | null;
  forkOf: string | null;
  segments: number;
  subscribers: number;
  session: boolean;
  expiresAt: number | null;
}

/** Lists one page of a project's streams with the root token. */
export async function listPage(
  project: string,
  query: Record<string, string>,
): Promise<{ streams: Listed[]; cursor: string | null }> {
  const res = await admin(`/${project}/streams?${new URLSearchParams(query)}`);
  if (res.status !== 200) throw new Error(`listing ${project}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { streams: Listed[]; cursor: string | null };
}

/** Every page of a listing, following cursors. */
export async function listAll(project: string, query: Record<string, string>): Promise<Listed[]> {
  const out: Listed[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = await listPage(project, cursor ? { ...query, cursor } : query);
    out.push(...page.streams);
    cursor = page.cursor;
    if (cursor === null) return out;
  }
  throw new Error("listing did not end");
}

/** Creates a stream in the open default project; returns its URL. */
export async function putStream(name: string, headers: Record<string, string> = {}, body?: string): Promise<string> {
  const url = `${inject("baseUrl")}/v1/stream/default/${name}`;
  const res = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain", ...headers }, body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`PUT ${name}: ${res.status} ${await res.text()}`);
  return url;
}

/** Appends text to a stream. */
export async function appendText(url: string, text: string): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: text });
  const answer = await res.text();
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${answer}`);
}

/** Polls `fn` until it returns a value that passes `ok` (every 100 ms, at most `ms`). */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await fn();
    if (ok(last) || Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
}
