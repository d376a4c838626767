import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { z as zod40 } from "zod40";
import { z as zod41 } from "zod41";
import { z as zod43 } from "zod43";
import { z as zodMini } from "zod/mini";
import { ConfigError, redact, REDACTED, secret } from "../mod.ts";
import { containsSecret, isSecret } from "../_internal/schema_walk.ts";

describe("secret", () => {
  test("the mark survives describe, optional, default, meta and nullable, in any order", () => {
    const base = secret(z.string());
    const chains = [
      base.describe("pw"),
      base.optional(),
      base.default("x"),
      base.meta({ title: "Password" }),
      base.nullable().optional().default(null),
      base.describe("pw").meta({ description: "d" }).optional().default("x"),
      secret(z.string().describe("before")),
      z.string().meta({ secret: true }),
    ];
    for (const schema of chains) assert.ok(isSecret(schema));
    assert.ok(!isSecret(z.string().describe("plain").optional()));
  });

  test("the mark lives in zod's metadata, not a side table", () => {
    const marked = secret(z.string()).describe("pw");
    assert.equal(z.globalRegistry.get(marked)?.secret, true);
  });

  test("a whole secret value is redacted", () => {
    assert.equal(
      redact(secret(z.object({ a: z.string() })), { a: "x" }),
      REDACTED,
    );
  });

  test("redacts nested fields, arrays, records and tuples, hides unnamed fields, and leaves the input alone", () => {
    const schema = z.object({
      user: z.string(),
      db: z.object({ password: secret(z.string()).optional() }),
      tokens: z.array(secret(z.string())),
      byName: z.record(z.string(), z.object({ key: secret(z.string()) })),
      pair: z.tuple([z.string(), secret(z.number())]),
    });
    const value = {
      user: "u",
      db: { password: "p" },
      tokens: ["t1", "t2"],
      byName: { a: { key: "k" } },
      pair: ["x", 1],
      extra: "kept",
    };
    const copy = structuredClone(value);
    assert.deepEqual(redact(schema, value), {
      user: "u",
      db: { password: REDACTED },
      tokens: [REDACTED, REDACTED],
      byName: { a: { key: REDACTED } },
      pair: ["x", REDACTED],
      // The schema does not say what "extra" is, and the object holds secrets.
      extra: REDACTED,
    });
    assert.deepEqual(value, copy);
  });

  test("unions follow the matching option, and hide what they cannot follow", () => {
    const schema = z.union([
      z.object({ kind: z.literal("token"), token: secret(z.string()) }),
      z.object({ kind: z.literal("none") }),
    ]);
    assert.deepEqual(redact(schema, { kind: "token", token: "t" }), {
      kind: "token",
      token: REDACTED,
    });
    assert.deepEqual(redact(schema, { kind: "none" }), { kind: "none" });
    assert.equal(redact(schema, { kind: "other", token: "t" }), REDACTED);
    assert.ok(containsSecret(schema));
    assert.ok(!containsSecret(z.object({ a: z.string() })));
  });

  test("refuses a schema from zod 4.0 or a second copy with its own registry, naming the versions", () => {
    const foreign = [
      [zod40.string(), /zod 4\.0\.17, which @harmony\/config does not support/],
      [zod41.string(), /second copy of zod \(4\.1\.12\)/],
    ] as const;
    for (const [schema, reason] of foreign) {
      assert.throws(
        () => secret(schema as unknown as z.ZodString),
        (error) =>
          error instanceof ConfigError && reason.test(error.message) &&
          /supports zod \^4\.1\.13/.test(error.message),
      );
    }
  });

  test("marks a schema from a copy that shares zod's registry, and a zod/mini schema", () => {
    const shared = secret(zod43.string() as unknown as z.ZodString);
    assert.ok(isSecret(shared));
    assert.equal(redact(shared, "p"), REDACTED);
    const mini = secret(zodMini.string() as unknown as z.ZodString);
    assert.ok(isSecret(mini));
    assert.ok(!isSecret(zodMini.string() as unknown as z.ZodString));
  });
});
