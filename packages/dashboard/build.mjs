/** Builds the browser UI into dist/: one minified ES module bundle, its CSS and index.html. */
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["src/ui/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outfile: "dist/app.js",
  legalComments: "none",
});
cpSync("src/ui/index.html", "dist/index.html");
cpSync("src/ui/style.css", "dist/style.css");
