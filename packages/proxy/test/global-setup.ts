/**
 * Starts one local Worker (real workerd via `wrangler dev`) and Debian's nginx
 * in front of it with the rendered proxy config, and hands both URLs to the
 * tests through `inject()`.
 */
import type { TestProject } from "vitest/node";
import {
  freePort,
  startLocalWorker,
  type LocalWorker,
} from "../../server/test/support/local-worker.ts";
import { openSuiteProjects } from "../../server/test/support/suite-projects.ts";
import { nginxBinary, startNginx, type RunningNginx } from "./support/nginx.ts";

/** Server settings for the shared Worker: short waits keep the suite fast. */
const WORKER_VARS = {
  LONG_POLL_TIMEOUT_MS: "1500",
  SSE_KEEPALIVE_MS: "1000",
  SSE_CLOSE_AFTER_MS: "60000",
  // The conformance suite's subscription tests: their projects are created with the admin
  // token, and their webhook receivers listen on 127.0.0.1 (a dev-only SSRF exception).
  DEFAULT_PROJECT_OPEN: "true",
  ADMIN_TOKEN: "proxy-test-admin-token-0123456789abcdef",
  SUBSCRIPTIONS_ALLOW_LOOPBACK: "true",
} as const;

declare module "vitest" {
  export interface ProvidedContext {
    /** nginx in front of the shared Worker. */
    proxyUrl: string;
    /** The shared Worker itself (for comparisons and direct appends). */
    originUrl: string;
    proxyLongPollTimeoutMs: number;
  }
}

let worker: LocalWorker | undefined;
let nginx: RunningNginx | undefined;

/** Starts the Worker, then nginx with ORIGIN_SCHEME=http pointing at it. */
export async function setup(project: TestProject): Promise<void> {
  nginxBinary(); // fail first, with the apt packages to install, if nginx is missing
  // nginx sets Host to the origin's, so the Worker learns the address clients use from PUBLIC_URL
  // (subscription callback and JWKS URLs, Location).
  const proxyPort = await freePort();
  const vars = { ...WORKER_VARS, PUBLIC_URL: `http://127.0.0.1:${proxyPort}` };
  worker = await startLocalWorker({ vars, verbose: process.env.DS_VERBOSE === "1" });
  await openSuiteProjects(worker.url, WORKER_VARS.ADMIN_TOKEN);
  nginx = await startNginx({
    ORIGIN_HOST: `127.0.0.1:${worker.port}`,
    ORIGIN_SCHEME: "http",
    LISTEN_PORT: String(proxyPort),
  });
  project.provide("proxyUrl", nginx.url);
  project.provide("originUrl", worker.url);
  project.provide("proxyLongPollTimeoutMs", Number(WORKER_VARS.LONG_POLL_TIMEOUT_MS));
}

/** Stops nginx, then the Worker. */
export async function teardown(): Promise<void> {
  if (process.env.DS_VERBOSE === "1" && nginx) process.stderr.write(nginx.output());
  await nginx?.stop();
  await worker?.stop();
}
