/**
 * Regenerates docs/dashboard/*.png: starts the server and the dashboard
 * (test/support/stack.ts), writes the test data set, and photographs each page
 * in headless Chromium. Run: `pnpm --filter @durable-streams-edge/dashboard screenshots`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "../test/support/browser.js";
import { append, seed } from "../test/support/seed.js";
import { DASHBOARD_DIR, startStack } from "../test/support/stack.js";

const OUT = join(DASHBOARD_DIR, "../../docs/dashboard");
const PAGES: [file: string, hash: string, ready: string][] = [
  ["overview", "overview?project=default", "[data-testid=hot-streams] a"],
  ["streams", "streams?project=default", "tr[data-name='chat/room1']"],
  ["inspector", "stream/chat/room1?project=default", "[data-testid=messages] li"],
  ["estuary", "estuary?project=default", "[data-testid=sessions] tr[data-name='tab-1']"],
  ["projects", "projects?project=acme", "[data-testid=keys] tr"],
];

const stack = await startStack();
try {
  await seed(stack.server);
  mkdirSync(OUT, { recursive: true });
  const browser = await launchChromium({ "cf-access-jwt-assertion": await stack.access.sign({ expSeconds: 3600 }) });
  const page = await browser.context.newPage();
  try {
    // A stored project for the Projects page, and a console session with a message in its log.
    await page.goto(`${stack.dashboard}/#/projects?project=default`);
    await page.fill("input[name=name]", "acme");
    await page.click("button:has-text('create')");
    await page.locator("[data-testid=secret]").waitFor();
    for (const [file, hash, ready] of PAGES) {
      await page.goto(`${stack.dashboard}/#/${hash}`);
      await page.locator(ready).first().waitFor();
      await new Promise((r) => setTimeout(r, 500));
      await page.screenshot({ path: join(OUT, `${file}.png`), fullPage: true });
      console.log(`docs/dashboard/${file}.png`);
    }
    // The console last: its session log lives in the page, which navigating away would drop.
    await page.goto(`${stack.dashboard}/#/console?project=default`);
    await page.click("button[name=create]");
    await page.locator("[data-testid=console-out] li", { hasText: "create" }).waitFor();
    await page.click("button[name=subscribe]");
    await page.locator("[data-testid=console-out] li", { hasText: "subscribe" }).waitFor();
    await append(stack.server, "console/demo", JSON.stringify({ hello: "from the console" }));
    await page.locator("[data-testid=session-log] li").first().waitFor();
    await page.screenshot({ path: join(OUT, "console.png"), fullPage: true });
    console.log("docs/dashboard/console.png");
  } finally {
    await browser.close();
  }
} finally {
  await stack.stop();
}
