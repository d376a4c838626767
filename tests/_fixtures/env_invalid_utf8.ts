// Child process for tests/sources/env_utf8_test.ts: its environment holds
// HARMONY_CONFIG_Db with bytes that are not UTF-8, and SQLite (at the path
// given) holds a good value. Prints what get, explain, delete and a second
// get did, as JSON; every error is described by its parts, never rethrown.
import process from "node:process";
import { inspect } from "node:util";
import { z } from "zod";
import {
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  secret,
  SqliteSource,
} from "../../mod.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string(), password: secret(z.string()) }),
});

const env = new EnvSource();
await using manager = new ConfigManager([
  env,
  await SqliteSource.open(process.argv[2]),
]);

function described(error: unknown): Record<string, unknown> {
  const e = error as ConfigValidationError;
  return {
    name: e.name,
    typed: e instanceof ConfigValidationError,
    message: e.message,
    key: e.key,
    source: e.source,
    issues: e.issues,
    cause: e.cause === undefined ? null : inspect(e.cause),
    inspected: inspect(e, { depth: 10, showHidden: true }),
    stack: e.stack,
  };
}

/** What `action` gave: its value, or its error described. */
async function outcome(action: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await action() };
  } catch (error) {
    return { error: described(error) };
  }
}

// The environment handed in as a record, as the CLI does (a view of it
// under Deno, process.env itself under Node), is read the same way.
const record = await outcome(() =>
  new EnvSource({ env: process.env }).get("Db")
);
const get = await outcome(() => manager.get(Db));
const explained = await manager.explain(Db);
const deleted = await outcome(() => env.delete("Db"));
const after = await outcome(() => manager.get(Db));
console.log(
  JSON.stringify({ record, get, explain: explained, deleted, after }),
);
