/**
 * Idle-cost child for bench/live.ts: a whole process that watches `<count>`
 * keys through the default chain plus a directory ([EnvSource,
 * LocalFileSource, SqliteSource] at the default watch interval), waits for
 * each watch's first event, then measures its own CPU time
 * (`process.cpuUsage()`, user + system) over `<window ms>` of doing nothing
 * else. With `--none` it measures the same window with no watch, the
 * runtime's own idle cost. Prints `<cpu µs> <wall ms>`.
 *
 * Usage: deno run --allow-all bench/_idle_watcher.ts <db> <dir> <count> <window ms> [--none]
 *
 * @module
 */
import process from "node:process";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  EnvSource,
  LocalFileSource,
  SqliteSource,
} from "../mod.ts";

const [db, dir, count, windowMs, none] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
];
const manager = new ConfigManager([
  new EnvSource(),
  new LocalFileSource(dir),
  await SqliteSource.open(db),
]);
const watches = none === "--none" ? [] : Array.from(
  { length: Number(count) },
  (_, i) =>
    manager.watch(
      defineConfig({
        key: `Watched_${i}`,
        schema: z.object({ n: z.number() }),
      }),
    ),
);
for (const watch of watches) await watch.next();
const cpu = process.cpuUsage();
const start = performance.now();
await new Promise((done) => setTimeout(done, Number(windowMs)));
const used = process.cpuUsage(cpu);
const wall = performance.now() - start;
await manager.close();
console.log(`${used.user + used.system} ${wall}`);
