/**
 * The conformance suite's subscription tests address streams such as
 * `/v1/stream/events/abc`, which this server reads as project `events`,
 * stream `abc` (src/subscriptions/scope.ts). This opens those projects for
 * anonymous writes on a test Worker, as the default project is open there.
 */
const SUITE_PROJECTS = ["events", "wake", "manual"] as const;

/** Creates the suite's projects (idempotent) on the Worker at `url`. */
export async function openSuiteProjects(url: string, adminToken: string): Promise<void> {
  for (const name of SUITE_PROJECTS) {
    const res = await fetch(`${url}/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name, anonymous: "write" }),
    });
    if (res.status !== 201 && res.status !== 409)
      throw new Error(`creating project ${name}: ${res.status} ${await res.text()}`);
  }
}
