import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { z } from "zod";
import {
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  SqliteSource,
  StoreSource,
} from "../../mod.ts";
import type { ConfigSource } from "../../mod.ts";
import { OpenBaoStore } from "../../stores/openbao/mod.ts";
import { jsonLoss } from "../../_internal/json.ts";
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

/** One schema of the family, with inputs that often (not always) fit it. */
interface Family {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly inputs: fc.Arbitrary<unknown>;
  /** Whether every JSON input the schema accepts must be stored (not refused). */
  readonly storable: boolean;
}

/** JSON values as JSON gives them back: no -0, which JSON writes as 0. */
const json = fc.jsonValue().map(normalised);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter(
  (n) => !Object.is(n, -0),
);
const isoDate = z.codec(z.iso.datetime(), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});
const dates = fc.date({
  min: new Date("1970-01-01T00:00:00Z"),
  max: new Date("9999-12-31T23:59:59Z"),
  noInvalidDate: true,
});

const FAMILIES: readonly Family[] = [
  { name: "z.unknown()", schema: z.unknown(), inputs: json, storable: true },
  {
    name: "object with defaults",
    schema: z.object({
      host: z.string(),
      port: z.number().int().default(5432),
      tags: z.array(z.string()).default([]),
    }),
    inputs: fc.oneof(
      fc.record({
        host: fc.string(),
        port: fc.integer(),
        tags: fc.array(fc.string()),
      }, { requiredKeys: ["host"] }),
      json,
    ),
    storable: true,
  },
  {
    name: "number transform",
    schema: z.number().transform((n) => n * 2),
    inputs: fc.oneof(finite, json),
    storable: true,
  },
  {
    name: "string transform",
    schema: z.string().transform((s) => "https://" + s),
    inputs: fc.oneof(fc.string(), json),
    storable: true,
  },
  {
    name: "object with a transformed field and a default",
    schema: z.object({
      sec: z.number().transform((n) => n * 1000),
      name: z.string().default("x"),
    }),
    inputs: fc.oneof(
      fc.record({ sec: finite, name: fc.string() }, { requiredKeys: ["sec"] }),
      json,
    ),
    storable: true,
  },
  {
    name: "array to its length",
    schema: z.array(z.number()).transform((list) => list.length),
    inputs: fc.oneof(fc.array(finite), json),
    storable: true,
  },
  {
    name: "z.coerce.number()",
    schema: z.coerce.number(),
    inputs: fc.oneof(fc.integer().map(String), fc.string(), finite, json),
    storable: true,
  },
  {
    name: "z.coerce.bigint()",
    schema: z.coerce.bigint(),
    inputs: fc.oneof(fc.bigInt().map(String), fc.integer(), json),
    storable: true,
  },
  {
    name: "z.coerce.date()",
    schema: z.coerce.date(),
    inputs: fc.oneof(dates.map((d) => d.toISOString()), fc.integer(), json),
    storable: true,
  },
  {
    name: "string-to-number codec",
    schema: z.codec(z.string().regex(/^-?\d+$/), z.number(), {
      decode: Number,
      encode: String,
    }),
    inputs: fc.oneof(fc.integer().map(String), json),
    storable: true,
  },
  {
    name: "ISO-string codec in an object with a default",
    schema: z.object({ at: isoDate, repeat: z.number().default(1) }),
    inputs: fc.oneof(
      fc.record({ at: dates.map((d) => d.toISOString()) }),
      json,
    ),
    storable: true,
  },
  {
    name: "trim and lower case",
    schema: z.string().trim().toLowerCase(),
    inputs: fc.oneof(fc.string(), json),
    storable: true,
  },
  {
    name: "number with a default",
    schema: z.number().default(7),
    inputs: fc.oneof(fc.constant(undefined), finite, json),
    storable: true,
  },
  {
    name: "z.map() (JSON cannot hold it)",
    schema: z.map(z.string(), z.number()),
    inputs: fc.oneof(
      fc.array(fc.tuple(fc.string(), finite)).map((pairs) => new Map(pairs)),
      json,
    ),
    storable: false,
  },
  {
    name: "z.unknown() given what JSON loses",
    schema: z.unknown(),
    inputs: fc.oneof(
      fc.constantFrom(NaN, Infinity, -Infinity, undefined),
      dates,
      fc.bigInt(),
      fc.array(fc.constantFrom(undefined, NaN)),
      fc.dictionary(fc.string(), fc.constant(undefined), { minKeys: 1 }),
    ),
    storable: false,
  },
];

/**
 * For a schema of the family and an input: `set` then `get` on a fresh
 * manager over `read()` equals `schema.parse(input)`, or `set` threw a
 * ConfigValidationError and nothing was written.
 */
async function setThenGet(
  writeTo: ConfigSource,
  read: () => Promise<ConfigSource>,
  runs: number,
): Promise<void> {
  let counter = 0;
  await fc.assert(
    fc.asyncProperty(
      // The family by name, so a counterexample prints its name, not the schema.
      fc.nat({ max: FAMILIES.length - 1 }).chain((index) =>
        fc.tuple(fc.constant(FAMILIES[index]!.name), FAMILIES[index]!.inputs)
      ),
      async ([name, input]) => {
        const family = FAMILIES.find((candidate) => candidate.name === name)!;
        const key = `Prop${counter++}`;
        const def = defineConfig({ key, schema: family.schema });
        const parsed = family.schema.safeParse(input);
        let stored = true;
        try {
          await new ConfigManager([writeTo]).set(def, input as never);
        } catch (error) {
          assert.ok(error instanceof ConfigValidationError, String(error));
          stored = false;
        }
        if (!stored) {
          assert.equal(await writeTo.get(key), undefined);
          assert.ok(
            !(family.storable && parsed.success &&
              jsonLoss(input) === undefined),
            `${family.name}: refused an input it accepts`,
          );
          return;
        }
        assert.ok(parsed.success, `${family.name}: stored an input it rejects`);
        const fresh = new ConfigManager([await read()]);
        assert.deepStrictEqual(await fresh.get(def), parsed.data, family.name);
      },
    ),
    { numRuns: runs },
  );
}

describe("set then get equals schema.parse(input), or set refuses with a typed error and writes nothing", () => {
  test("over MemorySource", async () => {
    const memory = new MemorySource();
    await setThenGet(memory, () => Promise.resolve(memory), RUNS.memory);
  });

  test("over LocalFileSource, read by a new source on the same directory", async () => {
    await using dir = await tempDir();
    await setThenGet(
      new LocalFileSource(dir.path),
      () => Promise.resolve(new LocalFileSource(dir.path)),
      RUNS.file,
    );
  });

  test("over SqliteSource, read through a second connection to the same file", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    using writer = await SqliteSource.open(path);
    using reader = await SqliteSource.open(path);
    await setThenGet(writer, () => Promise.resolve(reader), RUNS.sqlite);
  });
});
