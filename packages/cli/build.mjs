/**
 * Bundles the CLI into dist/cli.js. The server package ships TypeScript
 * source, so the modules the CLI reuses from it (token minting, project
 * config validation) are compiled in; runtime packages stay external.
 * The proxy files the wizard can scaffold are copied next to the bundle.
 */
import { build } from "esbuild";
import { chmodSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });

await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(dist, "cli.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["@clack/prompts", "jose", "wrangler"],
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});
chmodSync(join(dist, "cli.js"), 0o755);

const proxy = join(here, "../proxy");
mkdirSync(join(dist, "assets/proxy"), { recursive: true });
for (const f of ["Dockerfile", "nginx.conf.template", "render.sh", "README.md"]) {
  cpSync(join(proxy, f), join(dist, "assets/proxy", f));
}
