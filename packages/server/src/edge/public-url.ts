/**
 * The URLs the server writes for clients to follow (a created stream's
 * Location, a subscription's callback and JWKS URLs). Behind a proxy that
 * sets Host to the Worker's own hostname (packages/proxy does, as Cloudflare
 * routes by it), the request URL names the Worker, not the address clients
 * use; PUBLIC_URL says that address. The forwarded headers are not trusted
 * for this: any client can send them.
 */

/** `requestUrl` with its scheme and host replaced by `publicOrigin` (when set); path and query kept. */
export function publicUrlOf(requestUrl: string, publicOrigin: string | null): URL {
  const url = new URL(requestUrl);
  if (publicOrigin === null) return url;
  // (Not by setting `host`: a host without a port keeps the old port.)
  return new URL(`${url.pathname}${url.search}${url.hash}`, publicOrigin);
}
