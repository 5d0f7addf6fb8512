/**
 * Real headless Chromium for the browser tests: Debian's `chromium` driven by
 * playwright-core, with a fresh profile (so its HTTP cache starts empty), and
 * small Node servers that serve the test page from origins other than the
 * Worker's, with the official client bundled into it by esbuild.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { SERVER_DIR } from "./local-worker.js";

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** A running Chromium with its own temporary profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh user-data-dir. */
export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install chromium; pnpm test does it as root)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "ds-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** `@durable-streams/client` bundled for a page: its exports on `window.DS`. */
export async function bundleOfficialClient(): Promise<string> {
  const out = await build({
    stdin: { contents: `export * from "@durable-streams/client";`, resolveDir: SERVER_DIR, loader: "ts" },
    bundle: true,
    format: "iife",
    globalName: "DS",
    platform: "browser",
    target: "es2022",
    // The client's batching queue (fastq) calls Node's process.nextTick; pages have queueMicrotask.
    define: { "process.nextTick": "queueMicrotask" },
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/** A loopback HTTP server that serves the test page and the client bundle. */
export interface PageServer {
  /** e.g. `http://127.0.0.1:41234` — a different origin from the Worker's. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `/` (an empty page that loads `/client.js`) and `/client.js`. */
export async function startPageServer(clientJs: string): Promise<PageServer> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><script src="/client.js"></script></head><body></body></html>`;
  const server: Server = createServer((req, res) => {
    if (req.url === "/client.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(clientJs);
    } else if (req.url === "/" || req.url?.startsWith("/?")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Opens a page on `origin` and waits until the client bundle is loaded. */
export async function openPage(browser: TestBrowser, origin: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction("'DS' in window");
  return page;
}

/** What a page sent to URLs under a prefix, as Chromium's network stack saw it. */
export interface RequestLog {
  /** Requests started (EventSource reconnects included). */
  requests(): number;
  /** Raw response statuses in order: a revalidated cache entry shows the server's 304. */
  statuses(): number[];
  /** Requests the HTTP cache turned into conditional ones (`If-None-Match`). */
  conditional(): number;
}

interface RawHeaders {
  requestId: string;
  headers: Record<string, string>;
}

/**
 * Watches the requests a page makes to URLs that start with `prefix`, through
 * the DevTools protocol: the HTTP cache adds validators and hides 304s below
 * the page, so only the raw network events show them.
 */
export async function watchRequests(page: Page, prefix: string): Promise<RequestLog> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  // Extra-info events may come before or after the request they belong to: match by id when asked.
  const mine = new Set<string>();
  const statuses: [string, number][] = [];
  const conditional = new Set<string>();
  cdp.on("Network.requestWillBeSent", (e: { requestId: string; request: { url: string } }) => {
    if (e.request.url.startsWith(prefix)) mine.add(e.requestId);
  });
  cdp.on("Network.requestWillBeSentExtraInfo", (e: RawHeaders) => {
    if (Object.keys(e.headers).some((h) => h.toLowerCase() === "if-none-match")) conditional.add(e.requestId);
  });
  cdp.on("Network.responseReceivedExtraInfo", (e: { requestId: string; statusCode: number }) => {
    statuses.push([e.requestId, e.statusCode]);
  });
  return {
    requests: () => mine.size,
    statuses: () => statuses.filter(([id]) => mine.has(id)).map(([, status]) => status),
    conditional: () => [...conditional].filter((id) => mine.has(id)).length,
  };
}
