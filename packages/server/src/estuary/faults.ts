/**
 * Test-only fault switches (`DEBUG_ENDPOINTS`) for the estuary's calls
 * between objects: a source can commit a subscribe, unsubscribe or fan-out
 * report and then lose the reply, or commit a report and never answer; a
 * session stream can hang, refuse (503) or commit-and-lose its next appends.
 * Off unless a test sets them.
 */
import { discardBody, type BodyInput } from "../do/rpc-types.js";
import { failure, type Result } from "../protocol/errors.js";

/** The switches of one StreamDO. */
export interface EstuaryFaultSwitches {
  /** Replies lost after the call committed, by call. */
  loseSubscribe?: number;
  loseUnsubscribe?: number;
  loseReport?: number;
  /** Reports that commit and then hang (for `hangMs`) instead of replying: a hung consumer call. */
  hangReport?: number;
  /** Session-stream appends: hang (for `hangMs`), answer 503, or commit and lose the reply. */
  hangAppends?: number;
  hangMs?: number;
  failAppends?: number;
  loseAppends?: number;
}

type Counted =
  "loseSubscribe" | "loseUnsubscribe" | "loseReport" | "hangReport" | "hangAppends" | "failAppends" | "loseAppends";

/** The live switches, consumed one use at a time. */
export class EstuaryFaults {
  private s: EstuaryFaultSwitches = {};

  /** Replaces the switches. */
  set(s: EstuaryFaultSwitches): void {
    this.s = { ...s };
  }

  private use(k: Counted): boolean {
    const n = this.s[k] ?? 0;
    if (n <= 0) return false;
    this.s[k] = n - 1;
    return true;
  }

  /** Runs a committed call, then (when switched on) hangs before replying, or throws instead of replying. */
  async loseReply<T>(k: "loseSubscribe" | "loseUnsubscribe" | "loseReport", run: () => Promise<T>): Promise<T> {
    const r = await run();
    if (k === "loseReport" && this.use("hangReport")) await this.hang();
    if (this.use(k)) throw new Error(`fault injected: ${k} committed, reply lost`);
    return r;
  }

  /** Wraps a stream append with the append switches. */
  async append<T>(run: () => Promise<Result<T>>, body: BodyInput): Promise<Result<T>> {
    if (this.use("hangAppends")) await this.hang();
    if (this.use("failAppends")) {
      await discardBody(body);
      return failure(503, "unavailable", "fault injected: append refused");
    }
    const r = await run();
    if (this.use("loseAppends")) throw new Error("fault injected: append committed, reply lost");
    return r;
  }

  private hang(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.s.hangMs ?? 120_000));
  }
}
