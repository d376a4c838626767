/**
 * Asking again for a stored value that no longer matches its schema, and
 * schemas the prompt engine walks: what was stored and is still valid comes
 * back exactly as it was (Enter keeps it), stored data never reaches the
 * terminal as escape sequences, and a recursive schema (zod's getter
 * pattern) is asked for without running out of stack.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  type ConfigDefinition,
  defineConfig,
  MemorySource,
  secret,
} from "../../mod.ts";
import { skeleton } from "../../_internal/prompt/skeleton.ts";
import { promptingManager } from "../_helpers/prompting.ts";

/** ESC (C0) and CSI (C1): what starts a terminal command. */
// deno-lint-ignore no-control-regex
const ESCAPE_SEQUENCE = /[\x1b\x9b]/;

/** The cursor and colour sequences inquirer itself draws (CSI ... letter). */
// deno-lint-ignore no-control-regex
const PROMPT_SEQUENCE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** zod 4's own recursive pattern: a getter that refers to the schema. */
const Category = z.object({
  name: z.string(),
  get parent() {
    return Category.optional();
  },
});
type Category = z.infer<typeof Category>;

describe("getOrPrompt asking again", () => {
  test("a recursive schema (zod's getter pattern) is asked for, the level where it recurses as JSON", async () => {
    const Tree: ConfigDefinition<Category> = defineConfig({
      key: "Tree",
      schema: Category,
    });
    assert.equal(
      skeleton(Category),
      '{"name":"<string>","parent":"<object, optional>"}',
    );
    const { manager, term } = promptingManager(new MemorySource());
    await using _ = manager;
    const pending = manager.getOrPrompt(Tree);
    await term.answer("? name", "leaf");
    await term.answer("? parent (JSON)", '{"name":"root"}');
    assert.deepEqual(await pending, { name: "leaf", parent: { name: "root" } });
  });

  test("a z.lazy() tree with a secret inside is asked for, and the recursive level is masked", async () => {
    interface Node {
      name: string;
      token?: string | undefined;
      next?: Node | undefined;
    }
    const Node: z.ZodType<Node> = z.lazy(() =>
      z.object({
        name: z.string(),
        token: secret(z.string()).optional(),
        next: Node.optional(),
      })
    );
    const Chain = defineConfig({ key: "Chain", schema: Node });
    assert.equal(
      skeleton(Node),
      '{"name":"<string>","token":"<secret>","next":"<object, optional>"}',
    );
    const { manager, term } = promptingManager(new MemorySource());
    await using _ = manager;
    const pending = manager.getOrPrompt(Chain);
    await term.answer("? name", "a");
    await term.answer("? token", "");
    await term.answer("? next (JSON)", '{"name":"b","token":"tok-in-json"}');
    assert.deepEqual(await pending, {
      name: "a",
      next: { name: "b", token: "tok-in-json" },
    });
    assert.ok(!term.raw.includes("tok-in-json"), "the JSON holds a secret");
  });

  test("Enter keeps a stored list of strings as it was, commas and spaces inside its elements included", async () => {
    const Tags = defineConfig({
      key: "Tags",
      schema: z.object({
        port: z.number().int(),
        tags: z.array(z.string()).length(2),
        empty: z.array(z.string()),
      }),
    });
    const tags = ["a,b", "  padded "];
    const store = new MemorySource({
      Tags: { port: "not a number", tags, empty: [""] },
    });
    const { manager, term } = promptingManager(store);
    await using _ = manager;
    const pending = manager.getOrPrompt(Tags);
    await term.answer("? port", "80");
    await term.answer("? tags", "");
    await term.answer("? empty", "");
    const expected = { port: 80, tags, empty: [""] };
    assert.deepEqual(await pending, expected);
    assert.deepEqual(await store.get("Tags"), expected);
  });

  test("stored strings holding escape sequences are never drawn, and Enter keeps them", async () => {
    const Banner = defineConfig({
      key: "Banner",
      schema: z.object({
        port: z.number().int(),
        title: z.string(),
        lines: z.array(z.string()),
        extra: z.record(z.string(), z.string()),
      }),
    });
    const stored = {
      port: "not a number",
      // Set the window title, clear the screen, colour; C1 CSI in the record.
      title: "ok\u001b]0;owned\u0007\u001b[2J\u001b[31m",
      lines: ["one\u001b[2J"],
      extra: { k: "v\u009b2J" },
    };
    const store = new MemorySource({ Banner: stored });
    const { manager, term } = promptingManager(store);
    await using _ = manager;
    const pending = manager.getOrPrompt(Banner);
    await term.answer("? port", "80");
    await term.answer("? title", "");
    await term.answer("? lines", "");
    await term.answer("? extra", "");
    const expected = { ...stored, port: 80 };
    assert.deepEqual(await pending, expected);
    assert.deepEqual(await store.get("Banner"), expected);
    assert.ok(
      !ESCAPE_SEQUENCE.test(
        // What the prompts drew, without their own escape sequences.
        term.raw.replace(PROMPT_SEQUENCE, ""),
      ),
      "no stored escape sequence reaches the terminal",
    );
    assert.match(term.text, /title \(leave empty to keep the current value\)/);
  });

  test(
    "fields a catchall or a loose object keeps are kept when the stored value is rewritten",
    async () => {
      const Limits = defineConfig({
        key: "Limits",
        schema: z.object({
          port: z.number().int(),
          db: z.looseObject({ host: z.string() }),
        }).catchall(z.number()),
      });
      const store = new MemorySource({
        Limits: {
          port: "not a number",
          db: { host: "h", pool: 5 },
          maxUsers: 100,
        },
      });
      const { manager, term } = promptingManager(store);
      await using _ = manager;
      const pending = manager.getOrPrompt(Limits);
      await term.answer("? port", "80");
      await term.answer("? db.host", "");
      const expected = { port: 80, db: { host: "h", pool: 5 }, maxUsers: 100 };
      assert.deepEqual(await pending, expected);
      assert.deepEqual(await store.get("Limits"), expected);
    },
  );
});

describe("getOrPrompt asking again keeps only what the object accepts", () => {
  test("a stored key its catchall refuses is left out; a secret catchall's keys are kept without being drawn", async () => {
    const canary = "tok-4d1c9e0b7a";
    const Api = defineConfig({
      key: "Api",
      schema: z.object({ url: z.string().url() }).catchall(
        secret(z.string().min(8)),
      ),
    });
    const store = new MemorySource({
      Api: { url: "not a url", extraToken: canary, short: "x", count: 3 },
    });
    const { manager, term } = promptingManager(store);
    await using _ = manager;
    const pending = manager.getOrPrompt(Api);
    await term.answer("? url", "https://api.example");
    const expected = { url: "https://api.example", extraToken: canary };
    assert.deepEqual(await pending, expected);
    assert.deepEqual(await store.get("Api"), expected);
    assert.ok(!term.raw.includes(canary), "the secret was drawn");
  });

  test("stored keys that make the whole value fail are left out, so the answers are not asked for again forever", async () => {
    const Limits = defineConfig({
      key: "Limits",
      schema: z.object({ port: z.number().int() }).catchall(z.number())
        .refine((value) => Object.keys(value).length <= 2, "Too many keys"),
    });
    const store = new MemorySource({
      Limits: { port: "x", a: 1, b: 2 },
    });
    const { manager, term } = promptingManager(store);
    await using _ = manager;
    const pending = manager.getOrPrompt(Limits);
    await term.answer("? port", "80");
    assert.deepEqual(await pending, { port: 80 });
    assert.match(
      term.text,
      /2 stored keys that no question asks for were left out/,
    );
  });
});

describe("getOrPrompt's answers", () => {
  test("a z.coerce.bigint() answer past 2^53 is taken as typed, and stored as the JSON integer that reads back exactly", async () => {
    const Limit = defineConfig({
      key: "Limit",
      schema: z.object({ max: z.coerce.bigint() }),
    });
    const store = new MemorySource();
    const { manager, term } = promptingManager(store);
    await using _ = manager;
    const pending = manager.getOrPrompt(Limit);
    await term.answer("? max", "12345678901234567890");
    assert.deepEqual(await pending, { max: 12345678901234567890n });
    assert.deepEqual(await store.get("Limit"), { max: 12345678901234567890n });
    assert.deepEqual(await manager.get(Limit), { max: 12345678901234567890n });
  });
});
