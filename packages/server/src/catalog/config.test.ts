import { describe, expect, test } from "vitest";
import { ConfigError, type Env } from "../env.js";
import { readCatalogConfig } from "./config.js";

const env = (vars: Record<string, string>) => vars as unknown as Env;

describe("readCatalogConfig", () => {
  test("defaults, and CATALOG_ENABLED=false for a benchmark baseline", () => {
    expect(readCatalogConfig(env({}))).toEqual({
      shards: 16,
      statsIntervalMs: 10_000,
      metricsFlushMs: 10_000,
      enabled: true,
    });
    expect(readCatalogConfig(env({ CATALOG_ENABLED: "false" })).enabled).toBe(false);
  });

  test("a bad value is a ConfigError (answered 500 config_invalid with its message)", () => {
    expect(() => readCatalogConfig(env({ CATALOG_ENABLED: "yes" }))).toThrow(ConfigError);
    expect(() => readCatalogConfig(env({ CATALOG_SHARDS: "0" }))).toThrow(ConfigError);
  });
});
