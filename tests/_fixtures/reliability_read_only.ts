// Child process for tests/reliability/read_only_test.ts, run as a user who
// may read the database but not write it: it opens the DB, reads, and tries
// to write, and prints what each step did as JSON. It imports only the
// SQLite source (no npm package), so it runs with an empty DENO_DIR.
import process from "node:process";
import { SqliteSource } from "../../sources/sqlite.ts";

const [path, key] = process.argv.slice(2) as [string, string];

function outcome(error: unknown): { name: string; message: string } {
  const { name, message } = error as Error;
  return { name, message };
}

async function attempt(action: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await action() ?? null };
  } catch (error) {
    return { error: outcome(error) };
  }
}

const report: Record<string, unknown> = {};
try {
  using source = await SqliteSource.open(path);
  report.readOnly = source.readOnly;
  report.permissions = source.permissions().map((p) => p.name);
  report.get = await attempt(() => source.get(key));
  report.keys = await attempt(() => source.keys());
  report.list = await attempt(async () => (await source.list()).length);
  report.set = await attempt(() => source.set(key, "changed"));
  report.deleteMissing = await attempt(() => source.delete("Missing"));
  report.delete = await attempt(() => source.delete(key));
  report.getAfter = await attempt(() => source.get(key));
} catch (error) {
  report.open = outcome(error);
}
console.log(JSON.stringify(report));
