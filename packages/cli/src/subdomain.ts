/**
 * Registers the account's workers.dev subdomain when a deploy found none.
 * wrangler only offers this as a terminal prompt, so without a terminal the
 * CLI asks the API itself, with the same token and base URL wrangler uses
 * (CLOUDFLARE_API_TOKEN, CLOUDFLARE_API_BASE_URL).
 */
import { CliError } from "./errors.js";

const DEFAULT_API = "https://api.cloudflare.com/client/v4";

/** Valid workers.dev subdomain names (wrangler's own rule). */
export function subdomainProblem(name: string): string | undefined {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)
    ? undefined
    : "use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash";
}

/** PUTs `/accounts/<id>/workers/subdomain`; a refusal becomes a CliError with the API's message. */
export async function registerSubdomain(
  env: Readonly<Record<string, string | undefined>>,
  accountId: string,
  name: string,
): Promise<void> {
  const token = env.CLOUDFLARE_API_TOKEN;
  if (!token) {
    throw new CliError(
      "Registering a workers.dev subdomain from here needs CLOUDFLARE_API_TOKEN",
      "register it in the dashboard (Workers & Pages), or set CLOUDFLARE_API_TOKEN, then re-run",
    );
  }
  const base = (env.CLOUDFLARE_API_BASE_URL || DEFAULT_API).replace(/\/+$/, "");
  let res: Response;
  try {
    res = await fetch(`${base}/accounts/${accountId}/workers/subdomain`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ subdomain: name }),
    });
  } catch (e) {
    throw new CliError(
      `Cannot reach the Cloudflare API at ${base}: ${(e as Error).message}`,
      "check the network, then re-run",
    );
  }
  const body = (await res.json().catch(() => ({}))) as {
    success?: boolean;
    errors?: { code: number; message: string }[];
  };
  if (!res.ok || body.success !== true) {
    const why = (body.errors ?? []).map((e) => `${e.message} [code: ${e.code}]`).join("; ") || `HTTP ${res.status}`;
    throw new CliError(
      `Cloudflare did not register the workers.dev subdomain "${name}": ${why}`,
      "choose another --subdomain (names are global), or register one in the dashboard, then re-run",
    );
  }
}
