import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  MemorySource,
  PromptCancelledError,
  PromptSource,
  PromptUnavailableError,
} from "../mod.ts";
import { ScriptedPromptSource } from "../testing.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string(), port: z.number().default(5432) }),
});

describe("ScriptedPromptSource", () => {
  test("is a PromptSource whose prompt() answers from the map", async () => {
    const prompt = new ScriptedPromptSource({ Db: { host: "db" } });
    assert.ok(prompt instanceof PromptSource);
    assert.deepEqual(await prompt.prompt(Db), { host: "db", port: 5432 });
    assert.deepEqual(prompt.asked, ["Db"]);
    assert.deepEqual(prompt.permissions(), []);
  });

  test("getOrPrompt asks once, saves what reads back, then reads it", async () => {
    const store = new MemorySource();
    const prompt = new ScriptedPromptSource({ Db: { host: "db" } });
    await using manager = new ConfigManager([store, prompt]);
    assert.deepEqual(await manager.getOrPrompt(Db), { host: "db", port: 5432 });
    assert.deepEqual(await manager.getOrPrompt(Db), { host: "db", port: 5432 });
    assert.deepEqual(prompt.asked, ["Db"]);
    assert.deepEqual(await store.get("Db"), { host: "db", port: 5432 });
  });

  test("a stored value that fails the schema is asked again, with the reason", async () => {
    const store = new MemorySource({ Db: { host: 1 } });
    const prompt = new ScriptedPromptSource({ Db: { host: "fixed" } });
    await using manager = new ConfigManager([store, prompt]);
    assert.deepEqual(await manager.getOrPrompt(Db), {
      host: "fixed",
      port: 5432,
    });
    assert.deepEqual(prompt.requests[0]?.defaults, { host: 1 });
    assert.match(prompt.requests[0]?.reason ?? "", /no longer matches.*host/);
  });

  test("no answer cancels; a bad answer is a validation error; nothing is saved", async () => {
    const store = new MemorySource();
    await using manager = new ConfigManager([
      store,
      new ScriptedPromptSource({ Other: 1, Db: { host: 5 } }),
    ]);
    const Missing = defineConfig({ key: "Missing", schema: z.string() });
    await assert.rejects(manager.getOrPrompt(Missing), PromptCancelledError);
    await assert.rejects(manager.getOrPrompt(Db), ConfigValidationError);
    assert.deepEqual(await store.keys(), []);
  });

  test("interactive: false acts like a process without a terminal", async () => {
    await using manager = new ConfigManager([
      new MemorySource(),
      new ScriptedPromptSource({ Db: { host: "db" } }, { interactive: false }),
    ]);
    await assert.rejects(manager.getOrPrompt(Db), PromptUnavailableError);
  });
});
