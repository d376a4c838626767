// Child process for tests/reliability/bad_input_test.ts: runs with write
// access to another directory only, so <dir> is read-only to it (root ignores
// chmod, Deno's permissions it cannot). Prints each typed error as JSON.
import process from "node:process";
import { LocalFileSource, SqliteSource } from "../../mod.ts";

const dir = process.argv[2]!;
const report = (error: unknown): Record<string, unknown> => {
  const e = error as {
    name: string;
    key?: string;
    source?: string;
    flag?: string;
    message: string;
  };
  return {
    name: e.name,
    key: e.key,
    source: e.source,
    flag: e.flag,
    message: e.message,
  };
};
const results: Record<string, unknown> = {};
try {
  await new LocalFileSource(dir).set("Existing", { replaced: true });
  results.file = "written";
} catch (error) {
  results.file = report(error);
}
try {
  (await SqliteSource.open(`${dir}/config.db`)).close();
  results.sqlite = "opened";
} catch (error) {
  results.sqlite = report(error);
}
console.log(JSON.stringify(results));
