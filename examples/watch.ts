/**
 * Live configuration: a program that prints its settings whenever they
 * change, by any process, without a restart.
 *
 * ```sh
 * deno task demo:watch          # terminal 1: prints the value, then each change
 * # terminal 2: change it, and terminal 1 prints the new value at once
 * deno task cli set AppSettings '{"logLevel":"debug","greeting":"hi"}'
 * deno task cli set AppSettings '{"logLevel":"loud"}'   # invalid: reported, old value kept
 * deno task cli unset AppSettings                         # back to the defaults
 * ```
 *
 * The same works with the Rust crate, or the sqlite3 shell, writing
 * `<data dir>/config/config.db`. Ctrl-C stops the watch and exits cleanly.
 * It runs with the flags of `deno task demo`: env access to `HARMONY_*`,
 * `XDG_DATA_HOME` and `HOME`, read/write access to the data dir only.
 *
 * @module
 */
import process from "node:process";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  EnvSource,
  SqliteSource,
} from "../mod.ts";

const App = defineConfig({
  key: "AppSettings",
  schema: z.object({
    logLevel: z.enum(["error", "info", "debug"]).default("info"),
    greeting: z.string().default("hello"),
  }),
  description: "What this demo prints",
});

const sqlite = await SqliteSource.open();
await using manager = new ConfigManager([new EnvSource(), sqlite]);
const stop = new AbortController();
process.once("SIGINT", () => stop.abort());

console.log(`Watching ${App.key} (${sqlite.name}); Ctrl-C stops.`);
console.log(
  `Change it from another terminal:\n  deno task cli set ${App.key} '{"logLevel":"debug","greeting":"hi"}'`,
);
let current: z.infer<typeof App.schema> | undefined;
for await (const event of manager.watch(App, { signal: stop.signal })) {
  const at = new Date().toISOString().slice(11, 19);
  switch (event.kind) {
    case "value":
      current = event.value;
      console.log(
        `[${at}] ${App.key} = ${JSON.stringify(current)} (from ${
          event.source?.name ?? "the schema's defaults"
        })`,
      );
      break;
    case "invalid":
    case "missing":
    case "error":
      // The message names the key, the source and the fix; never the value.
      console.log(
        `[${at}] ${event.kind}: ${event.error.message}; still using ${
          JSON.stringify(current)
        }`,
      );
  }
}
console.log("Stopped.");
