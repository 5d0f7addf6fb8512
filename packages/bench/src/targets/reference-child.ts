/**
 * Child-process entry for the published Node reference server. It runs in its own
 * process (like workerd does) so that the load generator and the server never
 * share an event loop: otherwise the reference would be measured unfairly.
 * argv: `memory` | `file <dataDir>`. Prints one JSON line `{"url": ...}` when ready.
 */
import { DurableStreamTestServer } from "@durable-streams/server";

const [mode, dataDir] = process.argv.slice(2);
if (mode !== "memory" && !(mode === "file" && dataDir)) {
  process.stderr.write("usage: reference-child.ts memory | file <dataDir>\n");
  process.exit(2);
}

const server = new DurableStreamTestServer({
  port: 0,
  host: "127.0.0.1",
  ...(mode === "file" ? { dataDir } : {}),
});
const url = await server.start();
process.stdout.write(JSON.stringify({ url }) + "\n");

// Stop cleanly so the file-backed store flushes LMDB before exit.
const shutdown = () => {
  void server.stop().finally(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
