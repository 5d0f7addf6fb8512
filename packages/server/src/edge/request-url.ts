/**
 * A request's URL, parsed once: the middleware chain of one stream request
 * (CORS, auth, metrics, the route) reads it several times, and parsing a URL
 * is one of the larger costs of a small append at the edge. Treat the result
 * as read-only; a request replaced on the way (a new `Request`) is parsed anew.
 */
const parsed = new WeakMap<Request, URL>();

export function requestUrl(req: Request): URL {
  let url = parsed.get(req);
  if (url === undefined) {
    url = new URL(req.url);
    parsed.set(req, url);
  }
  return url;
}
