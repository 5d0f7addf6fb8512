#!/usr/bin/env node
/**
 * Entry for the root `dev` and `test` scripts, so that one command works on a
 * fresh clone with only Node and npm: it finds pnpm (or runs it through npx),
 * installs the workspace when node_modules is missing or older than the
 * lockfile, installs the Debian packages the tests need when it can, then
 * runs the task.
 *
 *   node scripts/run.mjs dev    # the server on http://127.0.0.1:8787, the dashboard on :8788
 *   node scripts/run.mjs test   # every package's tests, one after another
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const task = process.argv[2];
const tasks = {
  dev: null, // two processes, below
  test: ["-r", "--workspace-concurrency=1", "test"],
};
if (!(task in tasks)) {
  console.error(`usage: node scripts/run.mjs <${Object.keys(tasks).join("|")}>`);
  process.exit(2);
}

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
const pnpm = has("pnpm") ? ["pnpm"] : ["npx", "--yes", "pnpm@10"];

function run(cmd, args, what) {
  if (what) console.log(`\n› ${what}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const modules = join(root, "node_modules", ".modules.yaml");
const lock = join(root, "pnpm-lock.yaml");
if (!existsSync(modules) || statSync(modules).mtimeMs < statSync(lock).mtimeMs) {
  run(pnpm[0], [...pnpm.slice(1), "install", "--frozen-lockfile"], "installing dependencies (pnpm install)");
}

if (task === "test") {
  // Debian packages the tests use: nginx, envsubst and the CA bundle (packages/proxy),
  // and Chromium for the browser tests (packages/server/test/browser.test.ts).
  const missing = [];
  if (!has("nginx") && !existsSync("/usr/sbin/nginx")) missing.push("nginx");
  if (!existsSync("/usr/bin/chromium")) missing.push("chromium");
  if (!has("envsubst")) missing.push("gettext-base");
  if (!existsSync("/etc/ssl/certs/ca-certificates.crt")) missing.push("ca-certificates");
  if (missing.length > 0 && has("apt-get") && process.getuid?.() === 0) {
    run("apt-get", ["update", "-qq"], `installing ${missing.join(", ")} (apt-get)`);
    run("apt-get", ["install", "-y", "-qq", ...missing]);
  } else if (missing.length > 0) {
    console.warn(
      `\n! missing ${missing.join(", ")}: install them (Debian: apt-get install ${missing.join(" ")}); the proxy and browser tests need them`,
    );
  }
}

if (task === "dev") dev();
else run(pnpm[0], [...pnpm.slice(1), ...tasks[task]], `pnpm ${tasks[task].join(" ")}`);

/**
 * The server (8787) and the dashboard (8788) as two `wrangler dev` processes.
 * The dashboard's SERVER service binding finds the server's AdminApi through
 * wrangler's dev registry, kept inside this checkout so that another checkout's
 * server of the same name is never bound by mistake. Both share the server's
 * local state (.wrangler/state in packages/server): the dashboard has none.
 * The dashboard starts once the server answers.
 */
function dev() {
  const registry = join(root, ".wrangler", "registry");
  const devEnv = { ...env, WRANGLER_REGISTRY_PATH: registry };
  const children = [];
  const start = (pkg) => {
    const c = spawn(pnpm[0], [...pnpm.slice(1), "--filter", pkg, "dev"], { cwd: root, stdio: "inherit", env: devEnv });
    children.push(c);
    c.on("exit", (code) => {
      for (const o of children) if (o !== c && o.exitCode === null) o.kill("SIGTERM");
      process.exitCode = code ?? 1;
    });
  };
  const stop = () => children.forEach((c) => c.exitCode === null && c.kill("SIGTERM"));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const urls = { server: "http://127.0.0.1:8787", dashboard: "http://127.0.0.1:8788" };
  const healthy = (u) =>
    fetch(`${u}/health`).then(
      (r) => r.ok,
      () => false,
    );
  const until = Date.now() + 120_000;
  // One after the other: each wrangler binds its own inspector port (9229, else
  // the next free one) while it starts, and two starting at once can both pick
  // 9229, when the second fails with "Address already in use".
  start("@durable-streams-edge/server");
  const startDashboard = async () => {
    if (children[0].exitCode !== null) return; // the server failed: its exit ends this run
    if (!(await healthy(urls.server)) && Date.now() < until) return setTimeout(startDashboard, 300);
    start("@durable-streams-edge/dashboard");
    setTimeout(poll, 500);
  };
  const poll = async () => {
    const up = await Promise.all(Object.values(urls).map(healthy));
    if (up.every(Boolean)) {
      console.log(`\n  server     ${urls.server}\n  dashboard  ${urls.dashboard}\n`);
    } else if (Date.now() < until) setTimeout(poll, 500);
  };
  setTimeout(startDashboard, 1000);
}
