/**
 * The dashboard in real headless Chromium against the real server and
 * dashboard Workers (wrangler dev): every page shows the data this test wrote,
 * the message browser pages across sealed and hot ranges, the live tail shows
 * an append within 1 s, the test console round-trips, and the Cloudflare
 * Access check refuses bad JWTs.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type TestBrowser } from "./support/browser.js";
import { append, eventually, inspect, put, seed } from "./support/seed.js";
import { ADMIN_TOKEN, startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  await seed(stack.server);
  browser = await launchChromium({ "cf-access-jwt-assertion": await stack.access.sign({ expSeconds: 3600 }) });
  page = await browser.context.newPage();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const open = (hash: string) => page.goto(`${stack.dashboard}/#/${hash}`);
const text = (sel: string) => page.locator(sel).innerText();

describe("pages", () => {
  it("overview shows the project's totals, charts and hot streams", async () => {
    await open("overview?project=default");
    await page.locator("[data-testid=hot-streams] a", { hasText: "chat/room1" }).first().waitFor();
    expect(Number((await text("[data-testid=streams-total] b")).replace(/,/g, ""))).toBeGreaterThanOrEqual(6);
    expect(await page.locator("figure.chart[data-field=appends] rect").count()).toBeGreaterThan(0);
  });

  it("streams lists with badges, glob search and sort", async () => {
    await open("streams?project=default");
    const fork = page.locator("tr[data-name='chat/room1-fork']");
    await fork.waitFor();
    expect(await fork.innerText()).toContain("fork of chat/room1");
    expect(await page.locator("tr[data-name='logs/a']").innerText()).toContain("expiring");
    expect(await page.locator("tr[data-name='chat/room1']").innerText()).toContain("sealed");
    await page.fill("input[name=q]", "logs/*");
    await page.click("button[type=submit]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=streams] tbody tr").length === 2);
    expect(await page.locator("[data-testid=streams] tbody tr").allInnerTexts()).toEqual([
      expect.stringContaining("logs/a"),
      expect.stringContaining("logs/b"),
    ]);
    await page.fill("input[name=q]", "");
    await page.click("button[type=submit]");
    await page.selectOption("select[name=sort]", "bytes");
    await page.waitForFunction(
      () => document.querySelector("[data-testid=streams] tbody tr")?.getAttribute("data-name") === "chat/room1",
    );
  });

  it("streams pages forward and back by cursor (120 catalog entries, pages of 50)", async () => {
    const seeded = await fetch(`${stack.server}/v1/_debug/catalog-seed?project=many&prefix=s/&from=0&count=120`, {
      method: "POST",
    });
    expect(seeded.status).toBeLessThan(300);
    await open("streams?project=many");
    const firstName = () => page.locator("[data-testid=streams] tbody tr").first().getAttribute("data-name");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=streams] tbody tr").length === 50);
    const first = await firstName();
    await page.click("button[name=next]");
    await page.waitForFunction(
      (f) => document.querySelector("[data-testid=streams] tbody tr")?.getAttribute("data-name") !== f,
      first,
    );
    await page.click("button[name=next]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=streams] tbody tr").length === 20);
    expect(await page.locator("button[name=next]").isDisabled()).toBe(true);
    await page.click("button:has-text('previous')");
    await page.click("button:has-text('previous')");
    await page.waitForFunction(
      (f) => document.querySelector("[data-testid=streams] tbody tr")?.getAttribute("data-name") === f,
      first,
    );
  });

  it("inspector shows sealed and hot ranges, the fork, and the lagging, parked subscriber", async () => {
    await open("stream/chat/room1?project=default");
    await page.locator("[data-testid=segments] tr.sealed").first().waitFor();
    expect(await page.locator("[data-testid=segments] tr.sealed").count()).toBe(12);
    expect(await text("[data-testid=segments] tr.hot")).toContain("2 rows");
    expect(await text("[data-testid=fork-count]")).toBe("1");
    expect(await text("[data-testid=fork-names]")).toMatch(/^chat\/room1-fork at \d/);
    await eventually(
      async () => /tab-1\s+lag [1-9]/.test(await text("[data-testid=subscribers]")),
      10_000,
      "subscriber lag",
    );
    expect(await text("[data-testid=subscribers] .badge.parked")).toMatch(/^parked .+ \(failing\), missed from \d/);
    await open("stream/chat/room1-fork?project=default");
    await page.locator("[data-testid=fork-parent] a", { hasText: "chat/room1" }).waitFor();
  });

  it("estuary shows the session, its subscription, its lag, and that it is parked", async () => {
    await open("estuary?project=default");
    const row = page.locator("[data-testid=sessions] tr[data-name='tab-1']");
    await row.waitFor();
    await eventually(async () => /chat\/room1 \([1-9]/.test(await row.innerText()), 10_000, "session lag");
    expect(await row.innerText()).toContain("parked");
    const lagging = page.locator("[data-testid=lagging] tr", { hasText: "tab-1" });
    expect(await lagging.innerText()).toContain("chat/room1");
    expect(await lagging.locator(".badge.parked").innerText()).toMatch(/^parked .+ \(failing\), missed from \d/);
  });
});

/** The `n` fields of the browser's current page. */
async function shown(): Promise<number[]> {
  const items = await page.locator("[data-testid=messages] li pre").allInnerTexts();
  return items.map((t) => (JSON.parse(t) as { n: number }).n);
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe("message browser", () => {
  it("pages forward and back across sealed and hot ranges, seeks to an offset and to the tail", async () => {
    await open("stream/chat/room1?project=default");
    await page.locator("[data-testid=messages] li").first().waitFor();
    const waitFirst = (n: number) =>
      page.waitForFunction(
        (n) => document.querySelector("[data-testid=messages] li pre")?.textContent?.includes(`"n": ${n},`),
        n,
      );
    expect(await shown()).toEqual(range(0, 20));
    expect(await text("[data-testid=page-range]")).toBe("sealed segment 0");
    await page.click("button[name=forward]");
    await waitFirst(20);
    expect(await shown()).toEqual(range(20, 40));
    expect(await text("[data-testid=page-range]")).toBe("sealed segment 5");
    await page.click("button[name=forward]");
    await waitFirst(40);
    expect(await shown()).toEqual(range(40, 50)); // sealed segments 10-11, then the hot range
    expect(await page.locator("button[name=forward]").isDisabled()).toBe(true);
    await page.click("button[name=back]");
    await waitFirst(20);
    // Seek to the offset the browser shows for message 25.
    const offset = await page.locator("[data-testid=messages] li").nth(5).getAttribute("data-offset");
    await page.fill("input[name=seek]", offset!);
    await page.click("form button:has-text('seek')");
    await waitFirst(25);
    expect(await shown()).toEqual(range(25, 45));
    await page.click("button[name=tail]");
    await waitFirst(48);
    expect(await shown()).toEqual([48, 49]);
    expect(await text("[data-testid=page-range]")).toBe("hot");
    // The text and hex views of the same page.
    await page.click(".browser .tabs button:has-text('hex')");
    expect(await text("[data-testid=raw]")).toMatch(/^000000 {2}7b 22 6e 22/);
  });
});

describe("retention", () => {
  it("shows the limits and retained start; the browser starts there and links a trimmed offset to it", async () => {
    const name = "ret/trimmed";
    await put(stack.server, name, { "stream-retention-seconds": "86400" });
    let cut = "";
    for (let n = 0; n < 8; n++) {
      const res = await append(stack.server, name, JSON.stringify({ n }));
      if (n === 3) cut = res.headers.get("stream-next-offset")!;
    }
    const trim = await fetch(`${stack.server}/v1/stream/default/${name}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "stream-trim-before": cut },
    });
    expect(trim.status).toBe(204);
    const start = trim.headers.get("stream-start-offset")!;
    await open(`stream/${name}?project=default`);
    await page.locator("[data-testid=retention]").waitFor();
    expect(await text("[data-testid=retention]")).toMatch(new RegExp(`${start}[\\s\\S]*86400 s`));
    await page.locator("[data-testid=messages] li").first().waitFor();
    expect((await shown())[0]).toBe(4);
    // Its offset is the retained start's position (not counted from position 0).
    const first = await page.locator("[data-testid=messages] li").first().getAttribute("data-offset");
    expect(first!.split("_")[1]).toBe(start.split("_")[1]);
    await page.fill("input[name=seek]", "0000000000000000_0000000000000000");
    await page.click("form button:has-text('seek')");
    await page.locator("[data-testid=earliest]").waitFor();
    expect(await text("[data-testid=trimmed]")).toContain("trimmed by the stream's retention");
    await page.click("[data-testid=earliest]");
    await page.locator("[data-testid=messages] li").first().waitFor();
    expect((await shown())[0]).toBe(4);
  });
});

describe("live tail", () => {
  it("pause closes the connection in the click itself: no event can slip in before the page re-renders", async () => {
    // Every EventSource the page opens, to look at synchronously after the click.
    await page.addInitScript(() => {
      const Original = window.EventSource;
      const opened: EventSource[] = [];
      (window as unknown as { opened: EventSource[] }).opened = opened;
      window.EventSource = class extends Original {
        constructor(url: string | URL, init?: EventSourceInit) {
          super(url, init);
          opened.push(this);
        }
      };
    });
    await open("stream/tail/live?project=default");
    await page.reload(); // the init script applies from this load on
    await page.waitForFunction(() =>
      document.querySelector("[data-testid=tail-state]")?.textContent?.startsWith("live"),
    );
    const states = await page.evaluate(() => {
      document.querySelector<HTMLButtonElement>("button[name=pause]")!.click();
      return (window as unknown as { opened: EventSource[] }).opened.map((es) => es.readyState);
    });
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s === 2)).toBe(true); // EventSource.CLOSED
    await page.click("button[name=pause]"); // resume
  });

  it("shows an append within 1 s, and nothing while paused", async () => {
    await open("stream/tail/live?project=default");
    await page.waitForFunction(() =>
      document.querySelector("[data-testid=tail-state]")?.textContent?.startsWith("live"),
    );
    const t0 = Date.now();
    await append(stack.server, "tail/live", JSON.stringify({ live: 1 }));
    await page.locator("[data-testid=tail-lines] li", { hasText: '"live":1' }).waitFor({ timeout: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    await page.click("button[name=pause]");
    await append(stack.server, "tail/live", JSON.stringify({ live: 2 }));
    await new Promise((r) => setTimeout(r, 500));
    expect(await text("[data-testid=tail-lines]")).not.toContain('"live":2');
    await page.click("button[name=pause]"); // resume, from where it paused
    await page.locator("[data-testid=tail-lines] li", { hasText: '"live":2' }).waitFor({ timeout: 2000 });
  });

  it("the inspector shows the SSE readers held right now", async () => {
    const reader = new AbortController();
    const sse = await fetch(`${stack.server}/v1/stream/default/tail/live?offset=now&live=sse`, {
      signal: reader.signal,
    });
    expect(sse.status).toBe(200);
    // Edges report held readers to the object at most every 2 s (docs/admin.md).
    await open("stream/tail/live?project=default");
    await eventually(
      async () => {
        await page.reload(); // the same hash again would not load the inspection again
        await page.locator("[data-testid=readers-held]").waitFor();
        return /^[1-9]\d* \//.test(await text("[data-testid=readers-held]"));
      },
      10_000,
      "a held SSE reader in the inspector",
    );
    reader.abort();
  });
});

describe("projects", () => {
  it("creates a project, adds and retires a key, changes settings and mints a token", async () => {
    await open("projects?project=default");
    await page.fill("input[name=name]", "acme");
    await page.click("button:has-text('create')");
    await page.locator("[data-testid=secret]").waitFor();
    await open("projects?project=acme");
    await page.locator("[data-testid=keys] tr").first().waitFor();
    await page.click("button[name=add-key]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=keys] tr").length === 2);
    const first = await page.locator("[data-testid=keys] tr").first().getAttribute("data-kid");
    await page.locator(`[data-testid=keys] tr[data-kid='${first}'] button[name=retire]`).click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=keys] tr").length === 1);
    await page.selectOption("select[name=anonymous]", "read");
    await page.fill("input[name=cors]", "https://app.example.com");
    await page.click("button:has-text('save')");
    const get = () =>
      fetch(`${stack.server}/v1/projects/acme`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then(
        (r) => r.json() as Promise<{ project: { anonymous: string; corsOrigins: string[]; keys: { kid: string }[] } }>,
      );
    await eventually(async () => (await get()).project.anonymous === "read", 5000, "anonymous saved");
    const saved = (await get()).project;
    expect(saved.corsOrigins).toEqual(["https://app.example.com"]);
    expect(saved.keys.map((k) => k.kid)).not.toContain(first);
    await page.selectOption("form select[name=scope]", "write");
    await page.click("button:has-text('mint')");
    await page.locator("[data-testid=secret]", { hasText: "Token" }).waitFor();
    const token = (await page.locator("[data-testid=secret] code").innerText()).trim();
    // The minted token writes to the project on the server.
    await fetch(`${stack.server}/v1/stream/acme/minted`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    });
    const w = await fetch(`${stack.server}/v1/stream/acme/minted`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(w.status).toBeLessThan(300);
  });
});

describe("test console", () => {
  it("creates a stream, subscribes a session, publishes and sees it in the session's live log", async () => {
    await open("console?project=default");
    await page.fill("input[name=stream]", "console/demo");
    await page.click("button[name=create]");
    await page.locator("[data-testid=console-out] li", { hasText: "create" }).waitFor();
    await page.fill("input[name=session]", "console-session");
    await page.click("button[name=subscribe]");
    await page.locator("[data-testid=console-out] li", { hasText: "subscribe" }).waitFor();
    await page.fill("textarea[name=body]", '{"from":"console"}');
    await page.click("button[name=append]");
    await page.locator("[data-testid=session-log] li", { hasText: "console" }).waitFor({ timeout: 5000 });
    const s = (await inspect(stack.server, "console/demo")).stream as { estuary: { subscribers: unknown[] } };
    expect(s.estuary.subscribers).toHaveLength(1);
    await page.click("button[name=unsubscribe]");
    await page.locator("[data-testid=console-out] li", { hasText: "unsubscribe" }).waitFor();
  });
});

describe("the dashboard API: bad input is a clear 4xx and changes nothing", () => {
  const call = async (method: string, args: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${stack.dashboard}/api/rpc/${method}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "cf-access-jwt-assertion": await stack.access.sign(),
        ...headers,
      },
      body: JSON.stringify({ args }),
    });
    return { status: r.status, body: (await r.json()) as { error?: { code: string }; base64?: string } };
  };

  it("readMessages: a malformed offset, a bad limit, an unknown stream", async () => {
    expect(await call("readMessages", ["default", "chat/room1", "garbage"])).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_offset" } },
    });
    expect((await call("readMessages", ["default", "chat/room1", "-1", 0])).status).toBe(400);
    expect((await call("readMessages", ["default", "chat/room1", "-1", 201])).status).toBe(400);
    expect((await call("readMessages", ["default", "no/such/stream"])).status).toBe(404);
  });

  it("readMessages of a text stream returns its bytes", async () => {
    const r = await call("readMessages", ["default", "logs/a", "-1"]);
    expect(r.status).toBe(200);
    expect(Buffer.from(r.body.base64!, "base64").toString()).toBe("hello from logs/a\n");
  });

  it("the project's last key cannot be retired; a bad append body is refused", async () => {
    const p = (await call("getProject", ["acme"])).body as unknown as { project: { keys: { kid: string }[] } };
    expect(p.project.keys).toHaveLength(1);
    expect((await call("retireKey", ["acme", p.project.keys[0]!.kid])).status).toBe(409);
    expect((await call("append", ["default", "tail/live", 42])).status).toBe(400);
    expect((await call("append", ["default", "tail/live", "{not json"])).status).toBe(400);
  });

  it("refuses unknown methods, other verbs, other origins and non-JSON bodies", async () => {
    expect((await call("deleteEverything", [])).status).toBe(404);
    expect((await call("projects", [], { origin: "https://evil.example" })).status).toBe(403);
    const jwt = await stack.access.sign();
    const get = await fetch(`${stack.dashboard}/api/rpc/projects`, { headers: { "cf-access-jwt-assertion": jwt } });
    expect(get.status).toBe(405);
    const form = await fetch(`${stack.dashboard}/api/rpc/projects`, {
      method: "POST",
      headers: { "cf-access-jwt-assertion": jwt, "content-type": "text/plain" },
      body: "{}",
    });
    expect(form.status).toBe(415);
  });
});

describe("Cloudflare Access", () => {
  const get = (path: string, token?: string) =>
    fetch(`${stack.dashboard}${path}`, {
      method: path.startsWith("/api/") ? "POST" : "GET",
      headers: {
        "content-type": "application/json",
        ...(token === undefined ? {} : { "cf-access-jwt-assertion": token }),
      },
      body: path.startsWith("/api/") ? "{}" : undefined,
    });

  it("refuses missing, forged, expired, wrong-aud and wrong-iss tokens on pages, API and assets", async () => {
    const a = stack.access;
    const bad = {
      missing: undefined,
      forged: await a.sign({ key: a.stranger }),
      expired: await a.sign({ expSeconds: -120 }),
      wrongAud: await a.sign({ aud: "another-app" }),
      wrongIss: await a.sign({ iss: "https://evil.cloudflareaccess.com" }),
      garbage: "not.a.jwt",
    };
    for (const path of ["/", "/app.js", "/api/rpc/projects"]) {
      for (const [what, token] of Object.entries(bad)) {
        const r = await get(path, token);
        expect({ path, what, status: r.status }).toEqual({ path, what, status: token === undefined ? 401 : 403 });
      }
      expect((await get(path, await a.sign())).status).toBe(200);
    }
  });

  it("accepts a token signed by a rotated key (the JWKS is fetched again)", async () => {
    await stack.access.rotate();
    const r = await get("/api/rpc/projects", await stack.access.sign());
    expect(r.status).toBe(200);
  });
});
