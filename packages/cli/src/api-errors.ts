/**
 * Recognises Cloudflare API failures in wrangler's output, so a failed call
 * says what happened and what to do instead of only wrangler's last lines.
 * wrangler 4.86 prints an API error as "<message> [code: N]".
 */

/** A recognised failure: what it is, and the next step. */
export interface ApiProblem {
  readonly kind: "auth" | "quota" | "taken" | "no-subdomain" | "startup";
  readonly message: string;
  readonly hint: string;
}

const RERUN = "then re-run the command: it reuses what exists";

/** The API error codes wrangler printed, in order. */
export function apiErrorCodes(output: string): number[] {
  return [...output.matchAll(/\[code: (\d+)\]/g)].map((m) => Number(m[1]));
}

/** The problem `output` shows, if it is one the CLI knows how to explain. */
export function apiProblem(output: string): ApiProblem | undefined {
  const codes = apiErrorCodes(output);
  if (codes.includes(10000) || codes.includes(9109) || /Authentication error|Invalid API Token/i.test(output)) {
    return {
      kind: "auth",
      message: "Cloudflare refused the API token (authentication error)",
      hint:
        "check CLOUDFLARE_API_TOKEN (or run `npx wrangler login`): it must be valid for this account and may edit " +
        `Workers Scripts, Workers KV, R2 and Queues; ${RERUN}`,
    };
  }
  if (/register a workers\.dev subdomain/i.test(output)) {
    return {
      kind: "no-subdomain",
      message: "This account has no workers.dev subdomain, so the Worker was uploaded but has no URL yet",
      hint:
        "register one in the dashboard (Workers & Pages → your subdomain) or pass --subdomain <name> " +
        `(DS_EDGE_SUBDOMAIN) to register it from here; ${RERUN}`,
    };
  }
  // 10021: the uploaded script failed validation or startup (e.g. startup CPU time
  // "exceeded"): a problem of the code, not of the account, so checked before quotas.
  if (codes.includes(10021)) {
    return {
      kind: "startup",
      message: "Cloudflare rejected the uploaded Worker: it failed to start (validation or startup error)",
      hint: `the lines above name the cause; fix it (or report it with those lines), ${RERUN}`,
    };
  }
  if (/\b(quota|limit (?:of|reached|exceeded)|exceeded|too many)\b/i.test(output)) {
    return {
      kind: "quota",
      message: "A Cloudflare account limit was reached",
      hint: `delete unused KV namespaces, R2 buckets, queues or Workers (or raise the limit on your plan); ${RERUN}`,
    };
  }
  return undefined;
}
