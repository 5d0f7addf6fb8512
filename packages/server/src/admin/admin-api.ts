/**
 * AdminApi: the admin read operations as RPC methods of a WorkerEntrypoint,
 * for the dashboard's service binding (`"services": [{ "binding": "SERVER",
 * "service": "durable-streams-edge", "entrypoint": "AdminApi" }]`). A service
 * binding can only be made by Workers of the same account, so the binding is
 * the credential: no admin token travels to the dashboard or the browser.
 * Expected failures are returned (`{ ok: false, status, code, message }`).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { ListOptions } from "../catalog/list-params.js";
import type { Env } from "../env.js";
import { listProjects } from "../projects/store.js";
import type { MetricsOptions } from "./metrics-params.js";
import * as ops from "./operations.js";
import * as consoleOps from "./console-ops.js";
import { internalFetch } from "./internal-fetch.js";
import * as projectOps from "./project-ops.js";
import { subscriptionLag } from "./subscriptions.js";

/** The admin read API over RPC. */
export class AdminApi extends WorkerEntrypoint<Env> {
  /** Stored project names (the open default project of local dev is not stored). */
  async projects(): Promise<string[]> {
    return this.env.PROJECTS ? listProjects(this.env) : [];
  }

  /** A page of a project's streams (prefix, glob, sort, order, limit, cursor, kind). */
  listStreams(project: string, options: ListOptions = {}) {
    return ops.listStreams(this.env, project, options);
  }

  /** One stream's inspection and catalog entry. */
  inspectStream(project: string, name: string) {
    return ops.inspectStream(this.env, project, name);
  }

  /** Per-minute metrics of a project, or of one stream with `options.stream`. */
  metrics(project: string, options: MetricsOptions = {}) {
    return ops.queryMetrics(this.env, project, options);
  }

  /** The project's PROTOCOL.md §6 subscriptions with their lag (admin/subscriptions.ts). */
  subscriptions(project: string) {
    return subscriptionLag(this.env, project);
  }

  /** Streams, bytes and messages of a project. */
  summary(project: string) {
    return ops.projectSummary(this.env, project);
  }

  /** A page of a project's estuary sessions. */
  listSessions(project: string, options: ListOptions = {}) {
    return ops.listSessions(this.env, project, options);
  }

  /** One estuary session with its subscriptions and their lag. */
  inspectSession(project: string, estuaryId: string) {
    return ops.inspectSession(this.env, project, estuaryId);
  }

  /** Stream and estuary GETs (the dashboard's live tail and session log over SSE), with the root authority. */
  override fetch(request: Request): Promise<Response> {
    if (request.method !== "GET") return Promise.resolve(new Response("Only GET", { status: 405 }));
    return internalFetch(this.env, this.ctx, request);
  }

  /** One page (at most `limit` messages, each with its offset) from "-1", "tail" or an offset, hot or sealed. */
  readMessages(project: string, name: string, offset?: string, limit?: number) {
    return consoleOps.readMessages(this.env, this.ctx, project, name, offset, limit);
  }

  /** Creates a stream, or a fork with `forkOf` (test console). */
  createStream(
    project: string,
    name: string,
    options?: { contentType?: string; ttlSeconds?: number; forkOf?: string; forkOffset?: string },
  ) {
    return consoleOps.createStream(this.env, this.ctx, project, name, options);
  }

  /** Appends to a stream (test console; publishing to a source fans out to its sessions). */
  append(project: string, name: string, body: string, contentType?: string) {
    return consoleOps.appendMessage(this.env, this.ctx, project, name, body, contentType);
  }

  /** Subscribes an estuary session to a source stream (creating the session when needed). */
  subscribe(project: string, source: string, estuaryId: string) {
    return consoleOps.estuarySubscribe(this.env, this.ctx, project, source, estuaryId);
  }

  /** Unsubscribes an estuary session from a source stream. */
  unsubscribe(project: string, source: string, estuaryId: string) {
    return consoleOps.estuarySubscribe(this.env, this.ctx, project, source, estuaryId, true);
  }

  /** A project's settings and keys (no secrets). */
  getProject(project: string) {
    return projectOps.getProject(this.env, this.ctx, project);
  }

  /** Creates a project (its first key's secret is in this answer only). */
  createProject(settings: Record<string, unknown>) {
    return projectOps.createProject(this.env, this.ctx, settings);
  }

  /** Updates a project's anonymous access, CORS origins or limits. */
  updateProject(project: string, patch: Record<string, unknown>) {
    return projectOps.updateProject(this.env, this.ctx, project, patch);
  }

  /** Adds a signing key (a generated HS256 secret is in this answer only). */
  addKey(project: string, key?: Record<string, unknown>) {
    return projectOps.addKey(this.env, this.ctx, project, key);
  }

  /** Retires a signing key. */
  retireKey(project: string, kid: string) {
    return projectOps.retireKey(this.env, this.ctx, project, kid);
  }

  /** Mints a token for the project (shown once by the dashboard). */
  mintToken(project: string, request: Record<string, unknown>) {
    return projectOps.mintProjectToken(this.env, this.ctx, project, request);
  }
}
