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
}
