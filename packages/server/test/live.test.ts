/**
 * Live reads at the edge in real workerd (the suite is test/support/live-suite.ts),
 * against the shared test Worker.
 */
import { inject } from "vitest";
import { liveSuite } from "./support/live-suite.js";

liveSuite(() => inject("baseUrl"));
