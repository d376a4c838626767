/**
 * Writer child for bench/live.ts: another process committing changes the
 * way the Rust crate does (plain SQL through node:sqlite, no library code).
 * For each line `<n>` on stdin it waits a random part of `<jitter ms>` (so
 * commits fall anywhere in the watcher's poll interval), updates the row of
 * `<key>` to `{"n":<n>}`, and prints `<n> <commit time>` (ms since the
 * epoch, sub-millisecond).
 *
 * Usage: deno run --allow-read --allow-write bench/_live_writer.ts <db> <key> <jitter ms>
 *
 * @module
 */
import { createInterface } from "node:readline";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";

const [path, key, jitter] = process.argv.slice(2) as [string, string, string];
const db = new DatabaseSync(path);
db.exec("PRAGMA busy_timeout = 10000");
const update = db.prepare(
  "UPDATE config SET value = ?, updated_at = datetime('now') WHERE key = ?",
);
for await (const line of createInterface({ input: process.stdin })) {
  const n = Number(line);
  await new Promise((done) => setTimeout(done, Math.random() * Number(jitter)));
  update.run(JSON.stringify({ n }), key);
  console.log(`${n} ${performance.timeOrigin + performance.now()}`);
}
db.close();
