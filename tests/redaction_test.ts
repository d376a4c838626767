import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  MemorySource,
  redact,
  REDACTED,
  secret,
  validate,
} from "../mod.ts";
import { containsSecret, isSecret } from "../_internal/schema_walk.ts";

const CANARY = `canary-${randomUUID()}`;

/** Stores `stored` under a key, resolves it through explain() and returns what explain shows. */
async function explained(
  schema: z.ZodType,
  stored: unknown,
): Promise<{ shown: unknown; text: string }> {
  const Def = defineConfig({ key: "Redacted", schema });
  const manager = new ConfigManager([new MemorySource({ Redacted: stored })]);
  const how = await manager.explain(Def);
  assert.equal(how.error, undefined, `the value resolves: ${how.error}`);
  assert.equal(how.answeredBy, "memory");
  return { shown: how.value, text: JSON.stringify(how) };
}

describe("redact follows the output side of a pipe", () => {
  test("z.preprocess into an object with a secret field", async () => {
    const schema = z.preprocess(
      (raw) => ({ ...(raw as object), user: "app" }),
      z.object({ user: z.string(), password: secret(z.string()) }),
    );
    assert.ok(containsSecret(schema), "the secret on the output side counts");
    const { shown, text } = await explained(schema, { password: CANARY });
    assert.ok(!text.includes(CANARY), text);
    assert.deepEqual(shown, { user: "app", password: REDACTED });
  });

  test("z.preprocess into a secret", async () => {
    const schema = z.preprocess((raw) => String(raw), secret(z.string()));
    const { shown, text } = await explained(schema, CANARY);
    assert.ok(!text.includes(CANARY), text);
    assert.equal(shown, REDACTED);
  });

  test("a transform that renames the secret field hides the whole value", async () => {
    const schema = z.object({ pw: secret(z.string()) }).transform((o) => ({
      password: o.pw,
    }));
    const { shown, text } = await explained(schema, { pw: CANARY });
    assert.ok(!text.includes(CANARY), text);
    assert.equal(shown, REDACTED);
  });

  test("a transform that keeps only the secret part hides it", async () => {
    const schema = z.object({
      keys: z.array(secret(z.string())),
      byHost: z.record(z.string(), secret(z.string())),
    }).transform((o) => ({ all: [...o.keys, ...Object.values(o.byHost)] }));
    const { text } = await explained(schema, {
      keys: [`${CANARY}-a`],
      byHost: { h: `${CANARY}-b` },
    });
    assert.ok(!text.includes(CANARY), text);
  });

  test("arrays and records of secrets inside a transformed field", async () => {
    const schema = z.object({
      name: z.string(),
      tokens: z.array(secret(z.string())).transform((t) => t.join(",")),
      byHost: z.record(z.string(), secret(z.string())).transform((r) =>
        new Map(Object.entries(r))
      ),
    });
    const { shown, text } = await explained(schema, {
      name: "svc",
      tokens: [CANARY, "two"],
      byHost: { h: CANARY },
    });
    assert.ok(!text.includes(CANARY), text);
    assert.deepEqual(shown, {
      name: "svc",
      tokens: REDACTED,
      byHost: REDACTED,
    });
  });

  test("a pipe into an object that marks the secret follows the object", async () => {
    const schema = z.string().transform((text) => JSON.parse(text)).pipe(
      z.object({ user: z.string(), password: secret(z.string()) }),
    );
    const { shown, text } = await explained(
      schema,
      JSON.stringify({ user: "app", password: CANARY }),
    );
    assert.ok(!text.includes(CANARY), text);
    assert.deepEqual(shown, { user: "app", password: REDACTED });
  });

  test("a secret piped into a schema that does not mark it stays hidden", async () => {
    const schema = z.object({ password: secret(z.string()) }).pipe(
      z.object({ password: z.string().min(1) }),
    );
    const { text } = await explained(schema, { password: CANARY });
    assert.ok(!text.includes(CANARY), text);
  });

  test("secrets on both sides of a pipe are both applied", async () => {
    const schema = z.object({ a: secret(z.string()), b: z.string() }).pipe(
      z.object({ a: z.string(), b: secret(z.string()) }),
    );
    const { shown, text } = await explained(schema, {
      a: `${CANARY}-a`,
      b: `${CANARY}-b`,
    });
    assert.ok(!text.includes(CANARY), text);
    assert.deepEqual(shown, { a: REDACTED, b: REDACTED });
  });

  test("optional and default around preprocess and transform", async () => {
    const schema = z.object({
      pre: z.preprocess(
        (raw) => raw,
        z.object({ password: secret(z.string()) }),
      ).optional(),
      renamed: z.object({ pw: secret(z.string()) })
        .transform((o) => ({ password: o.pw }))
        .default({ password: `${CANARY}-default` }),
      tokens: z.array(secret(z.string())).transform((t) => t).optional(),
      plain: z.string().transform((s) => s.toUpperCase()).default("X"),
    });
    const { shown, text } = await explained(schema, {
      pre: { password: `${CANARY}-pre` },
      tokens: [`${CANARY}-token`],
      plain: "kept",
    });
    assert.ok(!text.includes(CANARY), text);
    assert.deepEqual(shown, {
      pre: { password: REDACTED },
      renamed: REDACTED,
      // The output side is an opaque transform: the whole field is hidden.
      tokens: REDACTED,
      plain: "KEPT",
    });
  });

  test("a field the object schema does not name is hidden when the object holds a secret", () => {
    const schema = z.object({ password: secret(z.string()) });
    assert.deepEqual(redact(schema, { password: "p", renamed: CANARY }), {
      password: REDACTED,
      renamed: REDACTED,
    });
    const plain = z.object({ a: z.string() });
    assert.deepEqual(redact(plain, { a: "x", extra: "kept" }), {
      a: "x",
      extra: "kept",
    });
  });

  test("a transform with no secret on either side shows its value", async () => {
    const schema = z.object({ port: z.string().transform(Number) });
    const { shown } = await explained(schema, { port: "5432" });
    assert.deepEqual(shown, { port: 5432 });
  });

  test("isSecret and unwrapSchema still describe the input side", () => {
    assert.ok(isSecret(secret(z.string()).transform((s) => s.length)));
    assert.ok(!isSecret(z.preprocess((v) => v, secret(z.string()))));
    assert.ok(containsSecret(z.preprocess((v) => v, secret(z.string()))));
  });
});

describe("validation issues never carry input-derived keys", () => {
  test("unrecognized keys are counted, not named", async () => {
    const result = await validate(z.strictObject({ a: z.string() }), {
      a: "x",
      [CANARY]: 1,
      [`${CANARY}-2`]: 2,
    });
    assert.ok(!result.ok);
    assert.ok(!JSON.stringify(result.issues).includes(CANARY));
    assert.deepEqual(result.issues, [{
      path: "",
      message: "2 unrecognized keys",
    }]);
    const one = await validate(z.strictObject({}), { [CANARY]: 1 });
    assert.ok(!one.ok);
    assert.equal(one.issues[0]?.message, "1 unrecognized key");
  });

  test("record keys in a path are masked; field names and indices are kept", async () => {
    const schema = z.object({
      hosts: z.array(z.object({
        byName: z.record(z.string(), z.object({ port: z.number() })),
      })),
      limits: z.record(z.string().min(100), z.number()).optional(),
      strict: z.record(z.string(), z.strictObject({ a: z.number() })),
      byId: z.map(z.string(), z.number()),
    });
    const result = await validate(schema, {
      hosts: [{ byName: { [CANARY]: { port: "x" } } }],
      limits: { [CANARY]: 1 },
      strict: { [CANARY]: { a: 1, [`${CANARY}-extra`]: 1 } },
      byId: new Map([[CANARY, "x"]]),
    });
    assert.ok(!result.ok);
    assert.ok(!JSON.stringify(result.issues).includes(CANARY));
    assert.deepEqual(result.issues.map((issue) => issue.path), [
      "hosts[0].byName.*.port",
      "limits.*",
      "strict.*",
      "byId.*",
    ]);
  });

  test("catchall keys in a path are masked like record keys; named fields are kept", async () => {
    const schema = z.object({
      host: z.string(),
      nested: z.object({ port: z.number() }).catchall(
        z.object({ weight: z.number() }),
      ),
    }).catchall(z.number());
    const result = await validate(schema, {
      host: 5,
      [CANARY]: "not a number",
      nested: { port: "x", [`${CANARY}-2`]: { weight: "heavy" } },
      // A name Object.prototype has is a catchall key too, not a field.
      toString: "x",
    });
    assert.ok(!result.ok);
    assert.ok(!JSON.stringify(result.issues).includes(CANARY));
    assert.deepEqual(result.issues.map((issue) => issue.path).sort(), [
      "*",
      "*",
      "host",
      "nested.*.weight",
      "nested.port",
    ]);
  });

  test("a record behind preprocess, default or a union is still masked", async () => {
    const schema = z.object({
      pre: z.preprocess((v) => v, z.record(z.string(), z.number())),
      either: z.union([z.number(), z.record(z.string(), z.number())])
        .default(1),
    });
    const result = await validate(schema, {
      pre: { [CANARY]: "x" },
      either: { [CANARY]: "x" },
    });
    assert.ok(!result.ok);
    assert.ok(!JSON.stringify(result.issues).includes(CANARY));
  });
});
