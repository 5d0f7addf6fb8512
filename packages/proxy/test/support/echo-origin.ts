/**
 * A scriptable HTTP origin on a loopback address, standing in for the Worker
 * where a test must see exactly what nginx forwarded (raw URI, headers, how a
 * body arrived) or control exactly what it answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Handles one request; `req.url` is the raw request target nginx sent. */
export type OriginHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A running origin. */
export interface EchoOrigin {
  /** `host:port`, as ORIGIN_HOST. */
  readonly host: string;
  readonly port: number;
  /** Requests seen so far (method and raw target). */
  readonly seen: string[];
  close(): Promise<void>;
}

/** Starts an origin on `address` (default 127.0.0.1) and `port` (default: any free one). */
export async function startOrigin(
  handler: OriginHandler,
  address = "127.0.0.1",
  port = 0,
): Promise<EchoOrigin> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, address, () => ok());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    host: `${address}:${bound}`,
    port: bound,
    seen,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
