/**
 * A tour of @harmony/config, after the Rust crate's basic example:
 *
 * 1. a zero-setup SQLite store, its directory created on first use;
 * 2. a config with full defaults, which needs no setup at all;
 * 3. set and get, validated by a zod schema;
 * 4. persistence: run it twice and the second run reads what the first stored;
 * 5. an env override, which wins over SQLite without being stored.
 *
 * ```sh
 * deno task demo                                        # first run: stores
 * deno task demo                                        # second run: reads
 * HARMONY_CONFIG_PostgresConfig='{"host":"ci-db","password":"ci"}' deno task demo
 * ```
 *
 * It honours HARMONY_DATA_DIR, and runs with read/write access to the data
 * dir only, and env access to HARMONY_*, XDG_DATA_HOME and HOME.
 *
 * @module
 */
import { z } from "zod";
import {
  ConfigManager,
  ConfigNotFoundError,
  defineConfig,
  EnvSource,
  type Explanation,
  secret,
  SqliteSource,
} from "../mod.ts";

const Postgres = defineConfig({
  key: "PostgresConfig",
  schema: z.object({
    host: z.string().describe("Database host"),
    port: z.number().int().min(1).max(65535).default(5432),
    password: secret(z.string()).describe("Database password"),
  }),
  description: "Connection to the main database",
});

const Ui = defineConfig({
  key: "UiSettings",
  schema: z.object({
    theme: z.enum(["light", "dark"]).default("dark"),
    pageSize: z.number().int().positive().default(50),
  }),
});

const sqlite = await SqliteSource.open();
await using manager = new ConfigManager([new EnvSource(), sqlite]);
console.log(`1. SQLite store (created if missing): ${sqlite.path}`);

const ui = await manager.get(Ui);
console.log(
  `2. UiSettings needs no setup, its defaults answer: ${JSON.stringify(ui)}`,
);

try {
  const pg = await manager.get(Postgres);
  console.log(
    `3. PostgresConfig found: host=${pg.host} port=${pg.port} (password hidden)`,
  );
} catch (error) {
  if (!(error instanceof ConfigNotFoundError)) throw error;
  console.log(`3. First run: ${error.message}`);
  await manager.set(Postgres, { host: "localhost", password: "change-me" });
  console.log(
    "   Stored a PostgresConfig in SQLite; run the demo again to read it back.",
  );
}

printExplanation(await manager.explain(Postgres));
console.log(
  "5. Try an env override, which wins without being stored:\n" +
    `   HARMONY_CONFIG_PostgresConfig='{"host":"ci-db","password":"ci"}' deno task demo`,
);

function printExplanation(how: Explanation): void {
  console.log(
    `4. explain(PostgresConfig): answered by ${how.answeredBy ?? "nobody"}`,
  );
  for (const step of how.steps) {
    const when = step.updatedAt ? ` (updated ${step.updatedAt} UTC)` : "";
    const value = step.value === undefined
      ? ""
      : ` ${JSON.stringify(step.value)}`;
    console.log(
      `   ${step.winner ? "*" : " "} ${step.status.padEnd(7)} ${
        step.locator ?? step.source
      }${when}${value}`,
    );
  }
}
