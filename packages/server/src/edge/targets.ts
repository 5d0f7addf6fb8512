/**
 * What a `/v1/stream/...` request addresses, for authorization: a stream of a
 * project, or a project-wide route under the reserved `__ds` segment
 * (subscriptions, PROTOCOL.md §6), which has no single stream name.
 */
import type { Failure } from "../protocol/errors.js";
import { DEFAULT_PROJECT, STREAM_PREFIX, parseStreamPath } from "./paths.js";

/** A project and stream name; `name` is null for project-wide routes. */
export interface Target {
  readonly project: string;
  readonly name: string | null;
}

const RESERVED = "__ds";

function decoded(seg: string | undefined): string | undefined {
  try {
    return seg === undefined ? undefined : decodeURIComponent(seg);
  } catch {
    return undefined;
  }
}

/** Resolves a request path to its authorization target, or the path's 4xx. */
export function resolveTarget(pathname: string): Target | Failure {
  const segs = pathname.slice(STREAM_PREFIX.length).split("/");
  if (decoded(segs[0]) === RESERVED) return { project: DEFAULT_PROJECT, name: null };
  if (decoded(segs[1]) === RESERVED) {
    const project = parseStreamPath(`${STREAM_PREFIX}${segs[0]}/x`);
    return "ok" in project ? project : { project: project.project, name: null };
  }
  const path = parseStreamPath(pathname);
  return "ok" in path ? path : { project: path.project, name: path.name };
}
