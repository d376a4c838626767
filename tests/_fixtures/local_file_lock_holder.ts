/**
 * Child process for tests/sources/local_file_race_test.ts: takes the lock
 * LocalFileSource writes of <dir>/<key>.json hold, prints `locked`, and
 * holds it until it is killed, as a writer killed between its lock and its
 * rename would leave it.
 *
 * Arguments: <dir> <key>
 *
 * @module
 */
import { join } from "node:path";
import process from "node:process";
import { withFileLock } from "../../_internal/file_lock.ts";

const [dir, key] = process.argv.slice(2) as [string, string];
await withFileLock(join(dir, `${key}.json`), () => {
  console.log("locked");
  // Never ends: the timer keeps the process alive until the test kills it.
  return new Promise<never>(() => setInterval(() => {}, 60_000));
});
