// Child process for tests/reliability/write_back_race_test.ts: another
// process storing a new value while the test's migrate() runs. It sets
// <key> to the JSON <value> in the SQLite file or the file directory given,
// through a ConfigManager, and exits.
import process from "node:process";
import { z } from "zod";
import {
  ConfigManager,
  type ConfigSource,
  defineConfig,
  LocalFileSource,
  SqliteSource,
} from "../../mod.ts";

const [kind, path, key, value] = process.argv.slice(2) as [
  "sqlite" | "files",
  string,
  string,
  string,
];
const source: ConfigSource = kind === "sqlite"
  ? await SqliteSource.open(path)
  : new LocalFileSource(path);
await using manager = new ConfigManager([source]);
await manager.set(
  defineConfig({ key, schema: z.unknown() }),
  JSON.parse(value),
);
