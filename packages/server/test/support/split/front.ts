/**
 * Test-only front Worker of the split-isolates harness (split-workers.ts):
 * the only Worker `wrangler dev` exposes on a port, standing in for
 * Cloudflare's load balancing. `/~a/...` and `/~b/...` pin a request to one
 * edge Worker (the prefix is removed); any other path alternates between the
 * two, so one client's requests land on different edge isolates.
 */
interface FrontEnv {
  EDGE_A: Fetcher;
  EDGE_B: Fetcher;
}

let turn = 0;

async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  try {
    while (!(await reader.read()).done);
  } catch {
    // the client went away: nothing to drain
  }
}

export default {
  fetch(request: Request, env: FrontEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const pinned = /^\/~([ab])(\/.*)?$/.exec(url.pathname);
    let edge: Fetcher;
    if (pinned) {
      edge = pinned[1] === "a" ? env.EDGE_A : env.EDGE_B;
      url.pathname = pinned[2] ?? "/";
    } else {
      edge = turn++ % 2 === 0 ? env.EDGE_A : env.EDGE_B;
    }
    if (!request.body) return edge.fetch(new Request(url, request));
    // An edge that answers early (a 413) leaves the body unread; a client-facing
    // server reads the rest, or the client's upload fails before it sees the
    // answer. So the front reads the whole upload while the edge reads its copy.
    const [forEdge, rest] = request.body.tee();
    ctx.waitUntil(drain(rest));
    return edge.fetch(new Request(url, { method: request.method, headers: request.headers, body: forEdge }));
  },
} satisfies ExportedHandler<FrontEnv>;
