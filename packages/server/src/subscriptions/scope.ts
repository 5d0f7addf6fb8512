/**
 * Which streams a subscription's paths name. Paths are relative to the stream
 * root the subscription lives under: `/v1/stream/:project/` names that
 * project's streams; the default root `/v1/stream/` follows the URL rule of
 * edge/paths.ts, so `x` is the default project's stream `x` and `events/abc`
 * is project `events`'s stream `abc` (the conformance suite's layout).
 * A pattern at the default root must therefore start with a literal segment
 * (or be a single segment), so it stays inside one project.
 */
import { DEFAULT_PROJECT } from "../edge/paths.js";
import { PROJECT_NAME_RE } from "../projects/config.js";

/** A stream as its project sees it. */
export interface Covered {
  readonly project: string;
  readonly name: string;
}

/** A pattern as one project's registry matches it, and the prefix that turns names back into paths. */
export interface CoveredPattern {
  readonly project: string;
  readonly pattern: string;
  readonly prefix: string;
}

/** The stream a path names, or why it cannot name one. */
export function coveredStream(subProject: string, path: string): Covered | string {
  if (subProject !== DEFAULT_PROJECT) return { project: subProject, name: path };
  const i = path.indexOf("/");
  if (i < 0) return { project: DEFAULT_PROJECT, name: path };
  const project = path.slice(0, i);
  if (!PROJECT_NAME_RE.test(project) || project === DEFAULT_PROJECT) {
    return `"${path}": at the default root a path's first segment names a project`;
  }
  return { project, name: path.slice(i + 1) };
}

/** The project and in-project pattern a pattern covers, or why it spans projects. */
export function coveredPattern(subProject: string, pattern: string): CoveredPattern | string {
  if (subProject !== DEFAULT_PROJECT) return { project: subProject, pattern, prefix: "" };
  const i = pattern.indexOf("/");
  if (i < 0) {
    if (pattern === "**") return 'At the default root "**" would span projects; start the pattern with a project name';
    return { project: DEFAULT_PROJECT, pattern, prefix: "" };
  }
  const first = pattern.slice(0, i);
  if (first.includes("*") || !PROJECT_NAME_RE.test(first) || first === DEFAULT_PROJECT) {
    return `"${pattern}": at the default root a pattern's first segment names a project`;
  }
  return { project: first, pattern: pattern.slice(i + 1), prefix: `${first}/` };
}

/** The path a subscription under `subProject` shows for a project's stream. */
export function pathOf(subProject: string, c: Covered): string {
  return subProject === DEFAULT_PROJECT && c.project !== DEFAULT_PROJECT ? `${c.project}/${c.name}` : c.name;
}

/** What one project's registry holds for a subscription: an in-project pattern and names. */
export interface RegistryPart {
  pattern: string | null;
  streams: string[];
  prefix: string;
}

/** Splits a subscription's coverage by the project each part lies in. */
export function registryParts(
  subProject: string,
  c: { pattern: string | null; streams: readonly string[] },
): Map<string, RegistryPart> {
  const parts = new Map<string, RegistryPart>();
  const part = (project: string, prefix: string) => {
    let p = parts.get(project);
    if (!p) parts.set(project, (p = { pattern: null, streams: [], prefix }));
    return p;
  };
  if (c.pattern !== null) {
    const cp = coveredPattern(subProject, c.pattern);
    if (typeof cp !== "string") part(cp.project, cp.prefix).pattern = cp.pattern;
  }
  for (const s of c.streams) {
    const cs = coveredStream(subProject, s);
    if (typeof cs !== "string")
      part(cs.project, cs.project === subProject ? "" : `${cs.project}/`).streams.push(cs.name);
  }
  return parts;
}
