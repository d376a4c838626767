import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { inspect } from "node:util";
import { z } from "zod";
import {
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  MemorySource,
  secret,
  validate,
} from "../mod.ts";
import { promptingManager } from "./_helpers/prompting.ts";

const CANARY = `canary-${randomUUID()}`;

/** The issues of a value that fails, as `validate` gives them. */
async function issuesOf(
  schema: z.ZodType,
  value: unknown,
): Promise<{ path: string; message: string }[]> {
  const result = await validate(schema, value);
  assert.ok(!result.ok, "the value fails");
  assert.ok(!JSON.stringify(result.issues).includes(CANARY), inspect(result));
  return result.issues.map((issue) => ({ ...issue }));
}

describe("an issue about a secret never shows the schema's own message", () => {
  test("an error function that interpolates the input shows zod's message for the code", async () => {
    const schema = z.object({
      password: secret(
        z.string({ error: (iss) => `not a string: ${String(iss.input)}` })
          .min(100, { error: (iss) => `too short: ${String(iss.input)}` }),
      ),
    });
    assert.deepEqual(await issuesOf(schema, { password: CANARY }), [{
      path: "password",
      message: "Too small: expected string to have >=100 characters",
    }]);
    assert.deepEqual((await issuesOf(schema, { password: [CANARY] }))[0], {
      path: "password",
      message: "Invalid input: expected string, received array",
    });
  });

  test("superRefine with ctx.addIssue quoting the value, on the secret and on the object that holds it", async () => {
    const field = z.object({
      token: secret(z.string()).superRefine((value, ctx) => {
        ctx.addIssue({ code: "custom", message: `token "${value}" revoked` });
      }),
    });
    assert.deepEqual(await issuesOf(field, { token: CANARY }), [{
      path: "token",
      message: "Invalid input",
    }]);
    // An object-level refinement sees the secret and may put it anywhere.
    const object = z.object({
      password: secret(z.string()),
      confirm: z.string(),
    })
      .superRefine((value, ctx) => {
        if (value.password !== value.confirm) {
          ctx.addIssue({
            code: "custom",
            path: ["confirm"],
            message: `"${value.confirm}" is not "${value.password}"`,
          });
          ctx.addIssue({
            code: "invalid_value",
            values: [value.password],
            path: ["confirm"],
          });
        }
      });
    assert.deepEqual(
      await issuesOf(object, { password: CANARY, confirm: "x" }),
      [
        { path: "confirm", message: "Invalid input" },
        { path: "confirm", message: "Invalid input" },
      ],
    );
  });

  test("z.custom with a message, and an async refine", async () => {
    const custom = secret(z.custom<string>(
      (value) => typeof value === "string" && value.startsWith("ok-"),
      { error: (iss) => `rejected ${String(iss.input)}` },
    ));
    assert.deepEqual(await issuesOf(custom, CANARY), [{
      path: "",
      message: "Invalid input",
    }]);
    const asyncRefine = z.object({
      key: secret(z.string()).refine(
        async (value) => await Promise.resolve(value.length > 100),
        { error: (iss) => `remote says no to ${String(iss.input)}` },
      ),
    });
    assert.deepEqual(await issuesOf(asyncRefine, { key: CANARY }), [{
      path: "key",
      message: "Invalid input",
    }]);
  });

  test("inside a secret, in an array of secrets, and a whole secret value", async () => {
    const quoting = { error: (iss: { input: unknown }) => `bad ${iss.input}` };
    const schema = z.object({
      creds: secret(z.object({ user: z.string().min(100, quoting) })),
      keys: z.array(secret(z.string().min(100, quoting))),
    });
    assert.deepEqual(
      await issuesOf(schema, { creds: { user: CANARY }, keys: [CANARY] }),
      [
        {
          path: "creds.user",
          message: "Too small: expected string to have >=100 characters",
        },
        {
          path: "keys[0]",
          message: "Too small: expected string to have >=100 characters",
        },
      ],
    );
  });

  test("a refinement's field beyond the schema is masked when it concerns a secret", async () => {
    const schema = z.object({ password: secret(z.string()) }).superRefine(
      (value, ctx) => ctx.addIssue({ code: "custom", path: [value.password] }),
    );
    assert.deepEqual(await issuesOf(schema, { password: CANARY }), [{
      path: "*",
      message: "Invalid input",
    }]);
  });

  test("custom messages on fields with no secret anywhere below them still show", async () => {
    const schema = z.object({
      port: z.number().refine((n) => n > 1024, {
        error: (iss) => `port ${String(iss.input)} is privileged`,
      }),
      password: secret(z.string()),
    });
    const result = await validate(schema, { port: 80, password: "p" });
    assert.ok(!result.ok);
    assert.deepEqual(result.issues, [{
      path: "port",
      message: "port 80 is privileged",
    }]);
  });

  test("get() and explain() show the masked issues", async () => {
    const Db = defineConfig({
      key: "Db",
      schema: z.object({
        password: secret(
          z.string().refine(() => false, {
            error: (iss) => `wrong password ${String(iss.input)}`,
          }),
        ),
      }),
    });
    const manager = new ConfigManager([
      new MemorySource({ Db: { password: CANARY } }),
    ]);
    await assert.rejects(manager.get(Db), (error) => {
      assert.ok(error instanceof ConfigValidationError);
      assert.deepEqual(error.issues, [{
        path: "password",
        message: "Invalid input",
      }]);
      assert.ok(!inspect(error, { depth: 10 }).includes(CANARY));
      return true;
    });
    assert.ok(!JSON.stringify(await manager.explain(Db)).includes(CANARY));
  });
});

describe("a transform or refinement that throws is a typed failure at its path", () => {
  const Parsed = defineConfig({
    key: "Parsed",
    schema: z.object({
      name: z.string(),
      db: z.object({
        password: secret(z.string().transform((s) => JSON.parse(s))),
      }),
    }),
  });
  const THROWN =
    "Invalid input: a transform or refinement of the schema threw SyntaxError";

  function assertTyped(error: unknown, source: string): true {
    assert.ok(error instanceof ConfigValidationError, String(error));
    assert.equal(error.source, source);
    assert.deepEqual(error.issues, [{ path: "db.password", message: THROWN }]);
    assert.equal(error.cause, undefined);
    assert.ok(!inspect(error, { depth: 10 }).includes(CANARY));
    return true;
  }

  test("get(), set() and explain(), which never throws for what a source says", async () => {
    const bad = { name: "app", db: { password: `{${CANARY}` } };
    const memory = new MemorySource({ Parsed: bad });
    const manager = new ConfigManager([memory]);
    await assert.rejects(
      manager.get(Parsed),
      (e) => assertTyped(e, "memory:Parsed"),
    );
    await assert.rejects(
      manager.set(Parsed, bad),
      (e) => assertTyped(e, "the value passed to set()"),
    );
    const how = await manager.explain(Parsed);
    assert.equal(how.answeredBy, undefined);
    assert.deepEqual(how.steps[0]?.issues, [{
      path: "db.password",
      message: THROWN,
    }]);
    assert.ok(!JSON.stringify(how).includes(CANARY));
    // A good value still parses, and set() stores what reads back.
    const good = { name: "app", db: { password: '{"a":1}' } };
    assert.deepEqual(await manager.set(Parsed, good), {
      name: "app",
      db: { password: { a: 1 } },
    });
    assert.deepEqual(await memory.get("Parsed"), good);
  });

  test("refine, superRefine and async refine that throw; the thrown value is never kept", async () => {
    const throwing = [
      z.object({
        a: secret(z.string()).refine((v) => {
          throw new Error(v);
        }),
      }),
      z.object({
        a: secret(z.string()).superRefine((v) => {
          throw new TypeError(`bad ${v}`);
        }),
      }),
      z.object({
        a: secret(z.string()).refine(async (v) => {
          await Promise.resolve();
          throw new RangeError(v);
        }),
      }),
      z.object({
        a: z.string(),
        b: z.array(
          secret(z.string()).transform((v) => {
            if (v.startsWith("canary")) throw v;
            return v;
          }),
        ),
      }),
    ];
    const paths = ["a", "a", "a", "b[1]"];
    for (const [i, schema] of throwing.entries()) {
      const result = await validate(schema, {
        a: CANARY,
        b: ["fine", CANARY],
      });
      assert.ok(!result.ok);
      assert.equal(result.issues.length, 1);
      assert.equal(result.issues[0]?.path, paths[i]);
      assert.match(
        result.issues[0]!.message,
        /threw (Error|TypeError|RangeError|unknown error)$/,
      );
      assert.ok(!JSON.stringify(result).includes(CANARY));
    }
  });

  test("a union that holds itself through z.lazy is located without walking forever", async () => {
    // Parsing it overflows the stack, which throws too: the walk stops
    // where it comes back to the union for the same part of the value.
    const Tree: z.ZodType = z.lazy(() =>
      z.union([
        Tree,
        secret(z.string()).transform((s) => JSON.parse(s) as unknown),
      ])
    );
    const result = await validate(z.object({ tree: Tree }), {
      tree: `{${CANARY}`,
    });
    assert.ok(!result.ok);
    assert.deepEqual(result.issues.map((issue) => issue.path), ["tree"]);
    assert.ok(!JSON.stringify(result).includes(CANARY));
  });

  test("an async refine that throws on a field's default never becomes an unhandled rejection while the prompt is planned", async () => {
    const Keyed = defineConfig({
      key: "Keyed",
      schema: z.object({
        key: secret(z.string()).default("dev-key").refine(async (v) => {
          await Promise.resolve();
          if (!v.startsWith("ok-")) throw new Error(`remote refused ${v}`);
          return true;
        }),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    await using _ = manager;
    const pending = manager.getOrPrompt(Keyed);
    await term.answer("? key", CANARY);
    await term.waitFor("threw Error");
    term.type("\x15");
    await term.answer("", "ok-1");
    assert.deepEqual(await pending, { key: "ok-1" });
    assert.ok(!term.text.includes(CANARY), term.text);
  });

  test("getOrPrompt's answer check shows the typed failure and asks again", async () => {
    const Token = defineConfig({
      key: "Token",
      schema: secret(z.string().transform((s) => JSON.parse(s) as unknown)),
    });
    const { manager, term } = promptingManager(new MemorySource());
    await using _ = manager;
    const pending = manager.getOrPrompt(Token);
    await term.answer("? Token", `{${CANARY}`);
    await term.waitFor("threw SyntaxError");
    term.type("\x15"); // Ctrl-U clears the line
    await term.answer("", '"ok"');
    assert.equal(await pending, "ok");
    assert.ok(!term.text.includes(CANARY), term.text);
  });
});
