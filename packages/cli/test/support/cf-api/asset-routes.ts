/**
 * Static assets routes of the Cloudflare API double, as wrangler uses them for
 * a Worker with `assets`: an upload session for a manifest (path → hash;
 * the answer lists the hashes the account does not hold yet), uploads of
 * those files (base64 form fields named by hash, authorised by the session's
 * JWT instead of the API token) ending in a completion JWT, which the script
 * upload's metadata then carries (`assets.jwt`).
 */
import type { Route } from "./routes.js";
import { ApiError, type ApiRequest } from "./server.js";
import { newId, type AccountState, type AssetSession, type ScriptMetadata } from "./state.js";

/** The path of the upload route, whose requests carry a session JWT (server.ts lets them through). */
export const ASSET_UPLOAD_PATH = /^\/accounts\/[^/]+\/workers\/assets\/upload$/;

/** Whether `authorization` names a live upload session. */
export function isAssetSession(state: AccountState, authorization: string | undefined): boolean {
  return state.assetSessions.has(authorization?.replace(/^Bearer /, "") ?? "");
}

/** The assets a script upload's metadata refers to (path → hash), or undefined when it has none. */
export function uploadedAssets(state: AccountState, meta: ScriptMetadata): Map<string, string> | undefined {
  const jwt = (meta.assets as { jwt?: string } | undefined)?.jwt;
  if (jwt === undefined) return undefined;
  const session = state.assetCompletions.get(jwt);
  if (!session) throw new ApiError(400, 10203, "assets: the completion token is invalid or expired");
  return new Map(Object.entries(session.manifest).map(([path, f]) => [path, f.hash]));
}

async function form(req: ApiRequest): Promise<FormData> {
  const type = req.headers.get("content-type") ?? "";
  return new Request("http://x", { method: "POST", headers: { "content-type": type }, body: req.body }).formData();
}

function complete(state: AccountState, session: AssetSession): string {
  const jwt = `completion-${newId()}`;
  state.assetCompletions.set(jwt, session);
  return jwt;
}

/** The asset routes. */
export const assetRoutes: Route[] = [
  {
    method: "POST",
    path: "/accounts/:account/workers/scripts/:script/assets-upload-session",
    handle: (r) => {
      const { manifest } = JSON.parse(r.body.toString()) as { manifest: AssetSession["manifest"] };
      const pending = new Set(Object.values(manifest).map((f) => f.hash));
      for (const h of pending) if (r.state.assetStore.has(h)) pending.delete(h);
      const session = { manifest, pending };
      if (pending.size === 0) return { result: { jwt: complete(r.state, session), buckets: [] } };
      const jwt = `session-${newId()}`;
      r.state.assetSessions.set(jwt, session);
      return { result: { jwt, buckets: [[...pending]] } };
    },
  },
  {
    method: "POST",
    path: "/accounts/:account/workers/assets/upload",
    handle: async (r) => {
      if (r.query.get("base64") !== "true") throw new ApiError(400, 10200, "assets: expected base64=true");
      const jwt = r.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      const session = r.state.assetSessions.get(jwt)!;
      const f = await form(r);
      for (const [hash, value] of f.entries()) {
        if (!session.pending.has(hash)) throw new ApiError(400, 10201, `assets: ${hash} was not asked for`);
        const text = typeof value === "string" ? value : await value.text();
        r.state.assetStore.set(hash, Buffer.from(text, "base64"));
        session.pending.delete(hash);
      }
      if (session.pending.size > 0) return { result: {} };
      r.state.assetSessions.delete(jwt);
      return { result: { jwt: complete(r.state, session) } };
    },
  },
];
