// Child process for tests/reliability/file_modes_test.ts, run under
// `umask 000`. It creates every kind of file the library writes and prints
// their modes (octal) as JSON, including the DB's -wal and -shm files while
// the DB is still open, and a control file written without the library.
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { LocalFileSource, SqliteSource } from "../../mod.ts";
import { SessionCache } from "../../stores/openbao/_session_cache.ts";

const root = process.argv[2]!;
const modes: Record<string, string> = {};
const record = async (path: string): Promise<void> => {
  modes[path.slice(root.length + 1)] = ((await stat(path)).mode & 0o777)
    .toString(8);
};

// A file created without the library shows what umask 000 alone gives.
await writeFile(join(root, "control.txt"), "x");
await record(join(root, "control.txt"));

const dbPath = join(root, "data", "config", "config.db");
{
  using db = await SqliteSource.open(dbPath);
  await db.set("Db", { host: "db" });
  for (const path of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    await record(path);
  }
}
await record(join(root, "data"));
await record(join(root, "data", "config"));

const files = new LocalFileSource(join(root, "files", "a", "b"));
await files.set("Db", { host: "db" });
await files.set("Db", { host: "db2" }); // a rewrite keeps the mode
await record(files.locate("Db"));
await record(join(root, "files"));
await record(join(root, "files", "a"));
await record(join(root, "files", "a", "b"));

const session = join(root, "state", "nested", "session.json");
await new SessionCache(session).save("bao", {
  token: "t",
  expiresAt: null,
  ttlSeconds: 0,
  renewable: false,
  obtainedAt: 0,
});
await record(session);
await record(join(root, "state"));
await record(join(root, "state", "nested"));

console.log(JSON.stringify(modes));
