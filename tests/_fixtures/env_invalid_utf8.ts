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

const out: Record<string, unknown> = {};
// The environment handed in as a record, as the CLI does (a view of it
// under Deno, process.env itself under Node), is read the same way.
try {
  out.record = { value: await new EnvSource({ env: process.env }).get("Db") };
} catch (error) {
  out.record = { error: described(error) };
}
try {
  out.get = { value: await manager.get(Db) };
} catch (error) {
  out.get = { error: described(error) };
}
out.explain = await manager.explain(Db);
try {
  out.deleted = await env.delete("Db");
} catch (error) {
  out.deleted = { error: described(error) };
}
try {
  out.after = { value: await manager.get(Db) };
} catch (error) {
  out.after = { error: described(error) };
}
console.log(JSON.stringify(out));
