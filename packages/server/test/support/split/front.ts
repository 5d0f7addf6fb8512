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

export default {
  fetch(request: Request, env: FrontEnv): Promise<Response> {
    const url = new URL(request.url);
    const pinned = /^\/~([ab])(\/.*)?$/.exec(url.pathname);
    let edge: Fetcher;
    if (pinned) {
      edge = pinned[1] === "a" ? env.EDGE_A : env.EDGE_B;
      url.pathname = pinned[2] ?? "/";
    } else {
      edge = turn++ % 2 === 0 ? env.EDGE_A : env.EDGE_B;
    }
    return edge.fetch(new Request(url, request));
  },
} satisfies ExportedHandler<FrontEnv>;
