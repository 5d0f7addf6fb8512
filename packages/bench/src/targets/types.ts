/** What the bench runs workloads against: a running server on loopback. */

/**
 * `edge` is this project's Worker, `reference` the Node reference server, `ceiling` the no-op Worker/DO,
 * `baseline` this Worker with the catalog and durable metrics off (append workloads only).
 */
export type TargetKind = "edge" | "reference" | "ceiling" | "baseline";

/** A started server. Streams live at `${baseUrl}/v1/stream/<name>`. */
export interface Target {
  readonly id: string;
  readonly label: string;
  readonly kind: TargetKind;
  readonly baseUrl: string;
  /** Where the server's own counters can be read (issue 4); undefined when it has none. */
  readonly metricsUrl?: string;
  stop(): Promise<void>;
}

/** A target that can be started on demand. */
export interface TargetSpec {
  readonly id: string;
  readonly label: string;
  readonly kind: TargetKind;
  /** One line for the report: what runs and how it is configured. */
  readonly description: string;
  start(): Promise<Target>;
}
