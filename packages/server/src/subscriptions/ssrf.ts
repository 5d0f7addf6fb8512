/**
 * Webhook URL validation against SSRF (PROTOCOL.md §6.2, §12.8): https only,
 * and no loopback, private (RFC 1918, CGNAT, ULA), link-local, metadata or
 * otherwise local targets. The one exception, for local development only, is
 * http(s) to loopback (`localhost`, 127.0.0.0/8, ::1) when
 * SUBSCRIPTIONS_ALLOW_LOOPBACK is "true". Host names are checked by name;
 * Cloudflare's fetch cannot reach private networks from a Worker anyway, and
 * deliveries never follow redirects (delivery.ts), so a redirect cannot
 * re-aim them.
 */

const LOCAL_NAMES = [/^localhost$/, /\.localhost$/, /\.local$/, /\.internal$/, /\.home\.arpa$/, /^metadata$/];

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? parts : null;
}

/** Whether an IPv4 address is not a public unicast one (loopback reported separately). */
function v4Kind(a: number[]): "loopback" | "local" | "public" {
  const [x, y] = a as [number, number];
  if (x === 127) return "loopback";
  if (x === 0 || x === 10 || x >= 224) return "local";
  if (x === 169 && y === 254) return "local"; // link-local, cloud metadata
  if (x === 172 && y >= 16 && y <= 31) return "local";
  if (x === 192 && y === 168) return "local";
  if (x === 100 && y >= 64 && y <= 127) return "local"; // CGNAT
  if (x === 192 && y === 0) return "local";
  if (x === 198 && (y === 18 || y === 19)) return "local";
  return "public";
}

function v6Kind(host: string): "loopback" | "local" | "public" {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "::1") return "loopback";
  if (h === "::") return "local";
  const mapped = /^::ffff:(.+)$/.exec(h);
  if (mapped) {
    const v4 = ipv4(mapped[1]!);
    if (v4) return v4Kind(v4);
    // The URL parser writes mapped addresses as hex groups (::ffff:7f00:1).
    const g = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(mapped[1]!);
    if (g) {
      const hi = parseInt(g[1]!, 16);
      const lo = parseInt(g[2]!, 16);
      return v4Kind([hi >> 8, hi & 255, lo >> 8, lo & 255]);
    }
    return "local";
  }
  if (/^f[cd]/.test(h) || /^fe[89ab]/.test(h) || /^ff/.test(h)) return "local";
  return "public";
}

/** Why `raw` may not receive webhooks, or null when it may. */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "webhook.url is not a valid URL";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "webhook.url must use https://";
  if (u.username || u.password) return "webhook.url must not carry credentials";
  // The URL parser has already normalized decimal, octal and hex IPv4 forms to dotted quads.
  const host = u.hostname.toLowerCase().replace(/\.$/, "");
  const v4 = ipv4(host);
  let kind: "loopback" | "local" | "public";
  if (v4) kind = v4Kind(v4);
  else if (host.startsWith("[")) kind = v6Kind(host);
  else if (host === "localhost" || host.endsWith(".localhost")) kind = "loopback";
  else kind = LOCAL_NAMES.some((re) => re.test(host)) || !host.includes(".") ? "local" : "public";
  if (kind === "loopback") return allowLoopback ? null : "webhook.url must not target loopback addresses";
  if (kind === "local") return "webhook.url must not target private, link-local or metadata addresses";
  if (u.protocol !== "https:") return "webhook.url must use https://";
  return null;
}
