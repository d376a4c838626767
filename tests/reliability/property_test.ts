import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  SqliteSource,
  StoreSource,
} from "../../mod.ts";
import type { ConfigSource } from "../../mod.ts";
import { OpenBaoStore } from "../../stores/openbao/mod.ts";
import { startFakeOpenBao } from "../_helpers/openbao_server.ts";
import { tempDir } from "../_helpers/temp.ts";

// fsync-bound sources get fewer runs, so the suite stays fast on 2 cores.
const RUNS = {
  memory: 300,
  env: 300,
  file: 60,
  sqlite: 100,
  openbao: 100,
} as const;

/** What JSON itself gives back: -0 becomes 0, and so on. */
function normalised(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** Keys as the sources accept them. */
const keyArbitrary = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/);

/** True when every number in `value` survives a float64 round trip exactly. */
function exactNumbers(value: unknown): boolean {
  if (typeof value === "number") {
    return !Number.isInteger(value) || Number.isSafeInteger(value);
  }
  if (Array.isArray(value)) return value.every(exactNumbers);
  if (value !== null && typeof value === "object") {
    return Object.values(value).every(exactNumbers);
  }
  return true;
}

async function roundTrips(
  source: ConfigSource,
  runs: number,
  values: fc.Arbitrary<unknown> = fc.jsonValue(),
): Promise<void> {
  // z.unknown(), not z.json(): zod's z.json() drops an own "__proto__" key
  // (a guard against prototype pollution), which is the schema's choice,
  // not a source losing data.
  const Any = (key: string) => defineConfig({ key, schema: z.unknown() });
  await fc.assert(
    fc.asyncProperty(keyArbitrary, values, async (key, value) => {
      await source.set(key, value);
      const expected = normalised(value);
      assert.deepStrictEqual(await source.get(key), expected);
      // And through the manager with a schema that accepts any JSON.
      const manager = new ConfigManager([source]);
      assert.deepStrictEqual(await manager.get(Any(key)), expected);
      if (source.persists) {
        await manager.set(
          Any(key),
          value,
        );
        assert.deepStrictEqual(await source.get(key), expected);
      }
    }),
    { numRuns: runs },
  );
}

describe("arbitrary JSON values round-trip identically", () => {
  test("through MemorySource", async () => {
    await roundTrips(new MemorySource(), RUNS.memory);
  });

  test("through EnvSource", async () => {
    await roundTrips(new EnvSource({ env: {} }), RUNS.env);
  });

  test("through LocalFileSource", async () => {
    await using dir = await tempDir();
    await roundTrips(new LocalFileSource(join(dir.path, "files")), RUNS.file);
  });

  test("through SqliteSource, and again after reopening the DB", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    const written = new Map<string, unknown>();
    {
      using source = await SqliteSource.open(path);
      await roundTrips(source, RUNS.sqlite);
      await fc.assert(
        fc.asyncProperty(keyArbitrary, fc.jsonValue(), async (key, value) => {
          await source.set(key, value);
          written.set(key, normalised(value));
        }),
        { numRuns: 50 },
      );
    }
    using reopened = await SqliteSource.open(path);
    for (const [key, value] of written) {
      assert.deepStrictEqual(await reopened.get(key), value);
    }
  });

  test("through OpenBao (KV v2), except integers beyond 2^53, the documented precision limit", async () => {
    await using bao = await startFakeOpenBao();
    const store = new OpenBaoStore({
      address: bao.address,
      auth: { token: bao.rootToken },
      env: {},
      sessionFile: false,
    });
    await roundTrips(
      new StoreSource(store),
      RUNS.openbao,
      fc.jsonValue().filter(exactNumbers),
    );
  });
});
