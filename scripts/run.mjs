#!/usr/bin/env node
/**
 * Entry for the root `dev` and `test` scripts, so that one command works on a
 * fresh clone with only Node and npm: it finds pnpm (or runs it through npx),
 * installs the workspace when node_modules is missing or older than the
 * lockfile, installs the Debian packages the tests need when it can, then
 * runs the task.
 *
 *   node scripts/run.mjs dev    # the server on http://127.0.0.1:8787
 *   node scripts/run.mjs test   # every package's tests, one after another
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const task = process.argv[2];
const tasks = {
  dev: ["--filter", "@durable-streams-edge/server", "dev"],
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

run(pnpm[0], [...pnpm.slice(1), ...tasks[task]], `pnpm ${tasks[task].join(" ")}`);
