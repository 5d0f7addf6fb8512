/**
 * Stream paths: `/v1/stream/:project/:stream*`. A single segment names a
 * stream of the default project (the conformance suite's form), so
 * `/v1/stream/foo` and `/v1/stream/default/foo` are the same stream.
 */
import { failure, type Failure } from "../protocol/errors.js";
import { PROJECT_NAME_RE } from "../projects/config.js";

export const STREAM_PREFIX = "/v1/stream/";
export const DEFAULT_PROJECT = "default";

const MAX_SEGMENT = 255;
const MAX_NAME = 1024;
const RESERVED_SEGMENT = "__ds";

/** A validated stream address. */
export interface StreamPath {
  readonly project: string;
  /** Stream name inside the project (may contain `/`). */
  readonly name: string;
  /** Durable Object name: `project/name`. */
  readonly key: string;
}

/** Parses the path after `/v1/stream/`; a Failure for anything malformed. */
export function parseStreamPath(pathname: string): StreamPath | Failure {
  if (!pathname.startsWith(STREAM_PREFIX)) return failure(404, "not_found", "Not a stream path");
  const raw = pathname.slice(STREAM_PREFIX.length).split("/");
  const segments: string[] = [];
  for (const part of raw) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return failure(400, "invalid_path", "Stream path has malformed percent-encoding");
    }
    const problem = segmentProblem(seg);
    if (problem) return failure(400, "invalid_path", `Invalid stream path segment: ${problem}`);
    segments.push(seg);
  }
  if (segments.length === 1) return make(DEFAULT_PROJECT, segments[0]!);
  const [project, ...rest] = segments as [string, ...string[]];
  if (!PROJECT_NAME_RE.test(project)) {
    return failure(400, "invalid_path", "Project names are 1-63 characters of a-z, 0-9, '-' and '_'");
  }
  return make(project, rest.join("/"));
}

function make(project: string, name: string): StreamPath | Failure {
  if (name.length > MAX_NAME) return failure(400, "invalid_path", `Stream names are at most ${MAX_NAME} characters`);
  return { project, name, key: `${project}/${name}` };
}

function segmentProblem(seg: string): string | null {
  if (seg === "") return "empty segment";
  if (seg === "." || seg === "..") return "'.' and '..' are not allowed";
  if (seg.length > MAX_SEGMENT) return `segments are at most ${MAX_SEGMENT} characters`;
  if (seg === RESERVED_SEGMENT) return `'${RESERVED_SEGMENT}' is reserved`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(seg)) return "control characters, '/' and '\\' are not allowed";
  return null;
}

/** Resolves a `Stream-Forked-From` value (a path, or a URL on this server) to a stream path. */
export function parseForkSource(value: string, requestUrl: string): StreamPath | Failure {
  let pathname: string;
  try {
    const u = new URL(value.trim(), requestUrl);
    if (u.origin !== new URL(requestUrl).origin) {
      return failure(400, "invalid_header", "Stream-Forked-From must name a stream on this server");
    }
    pathname = u.pathname;
  } catch {
    return failure(400, "invalid_header", "Stream-Forked-From is not a valid path");
  }
  const parsed = parseStreamPath(pathname);
  if ("ok" in parsed && parsed.ok === false) {
    return failure(
      parsed.status === 404 ? 400 : parsed.status,
      "invalid_header",
      `Stream-Forked-From: ${parsed.message}`,
    );
  }
  return parsed;
}
