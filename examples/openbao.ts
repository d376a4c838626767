/**
 * A team's OpenBao in front of the local SQLite store:
 * `ConfigManager([EnvSource, StoreSource(OpenBao), SqliteSource])`.
 *
 * - The OpenBao address comes from `OPENBAO_URL`, `BAO_ADDR` or `VAULT_ADDR`,
 *   the namespace from `BAO_NAMESPACE` (or `VAULT_NAMESPACE`), the token from
 *   `BAO_TOKEN` (or `VAULT_TOKEN`).
 * - `set` writes to OpenBao, the first source that persists, at
 *   `secret/data/harmony/config/PostgresConfig`.
 * - When OpenBao is down, SQLite answers within `timeoutMs`, and the report
 *   says why OpenBao did not.
 *
 * ```sh
 * export BAO_ADDR=http://127.0.0.1:8200 BAO_TOKEN=...
 * deno task demo:openbao            # stores a value in OpenBao, then reads it
 * deno task demo:openbao            # reads it back
 * ```
 *
 * @module
 */
import process from "node:process";
import { z } from "zod";
import {
  ConfigManager,
  ConfigNotFoundError,
  defineConfig,
  EnvSource,
  secret,
  SourceUnavailableError,
  SqliteSource,
  StoreSource,
} from "../mod.ts";
import { OpenBaoStore } from "../stores/openbao/mod.ts";

const Postgres = defineConfig({
  key: "PostgresConfig",
  schema: z.object({
    host: z.string().describe("Database host"),
    port: z.number().int().min(1).max(65535).default(5432),
    password: secret(z.string()).describe("Database password"),
  }),
});

await using manager = new ConfigManager([
  new EnvSource(),
  new StoreSource(new OpenBaoStore({ timeoutMs: 1500 })),
  await SqliteSource.open(),
]);

try {
  const value = await manager.get(Postgres);
  console.log(`PostgresConfig host=${value.host} port=${value.port}`);
} catch (error) {
  if (!(error instanceof ConfigNotFoundError)) throw error;
  // First run: store a value; it lands in OpenBao, the first source that persists.
  try {
    await manager.set(Postgres, {
      host: "db.internal",
      password: crypto.randomUUID(),
    });
    console.log("PostgresConfig was missing: stored a new value in OpenBao");
  } catch (error) {
    if (!(error instanceof SourceUnavailableError)) throw error;
    console.log(
      `PostgresConfig is missing and nothing was stored: ${error.message}`,
    );
    process.exitCode = 1;
  }
}

const how = await manager.explain(Postgres);
console.log(`answered by: ${how.answeredBy ?? "nobody"}`);
for (const step of how.steps) {
  const where = step.locator ? ` ${step.locator}` : "";
  const version = step.version === undefined
    ? ""
    : ` (version ${step.version})`;
  const reason = step.reason ? `: ${step.reason}` : "";
  console.log(
    `  ${step.status.padEnd(11)} ${step.source}${where}${version}${reason}`,
  );
}
