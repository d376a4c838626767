/**
 * First-run prompting, after the Rust crate's prompting example:
 *
 * 1. a config with no defaults;
 * 2. `get()` reports that the value is not found;
 * 3. `getOrPrompt()` asks for each field, checks every answer, and saves
 *    the value to SQLite;
 * 4. a second run reads it from SQLite and asks nothing.
 *
 * ```sh
 * deno task demo:prompt          # first run: asks, then saves
 * deno task demo:prompt          # second run: asks nothing
 * HARMONY_CONFIG_PromptingDemo='{"name":"ci","replicas":1,"environment":"staging","apiToken":"ci-token-123"}' deno task demo:prompt
 * ```
 *
 * It honours HARMONY_DATA_DIR. Without a terminal it fails fast, naming the
 * env var to set and the shape of its value.
 *
 * @module
 */
import process from "node:process";
import { z } from "zod";
import {
  ConfigError,
  ConfigNotFoundError,
  currentManager,
  defineConfig,
  get,
  getOrPrompt,
  init,
  redact,
  reset,
  secret,
  SqliteSource,
} from "../mod.ts";

const Demo = defineConfig({
  key: "PromptingDemo",
  schema: z.object({
    name: z.string().min(1).describe("Project name"),
    replicas: z.number().int().min(1).max(10).describe("Replicas (1-10)"),
    environment: z.enum(["staging", "production"]).describe("Environment"),
    apiToken: secret(z.string().min(8)).describe("API token"),
  }),
  description: "settings for the prompting demo",
});

try {
  // The default chain, as in Rust: env, SQLite at the default path, prompt.
  const manager = await init();
  const sqlite = manager.sources.find((s) => s instanceof SqliteSource);
  console.log(`Store: ${sqlite?.path}`);

  let asked = false;
  try {
    await get(Demo);
    console.log("get(): found, nothing to ask");
  } catch (error) {
    if (!(error instanceof ConfigNotFoundError)) throw error;
    console.log(`get(): not found: ${error.message}`);
    asked = true;
  }

  const value = await getOrPrompt(Demo);
  const how = await (await currentManager()).explain(Demo);
  console.log(
    `getOrPrompt(): ${
      JSON.stringify(redact(Demo.schema, value))
    } (from ${how.answeredBy})`,
  );
  if (asked) console.log("Saved. Run again: nothing will be asked.");
} catch (error) {
  // Typed errors say what to do and never hold a value.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`${error.name}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await reset();
}
