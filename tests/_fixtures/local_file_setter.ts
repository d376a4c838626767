/**
 * Child process for tests/sources/local_file_race_test.ts: sets a key in a
 * loop while the parent's get() migrates it. Each round stores the old
 * shape, then (through a ConfigManager) a new value, and checks that the
 * file holds that value until the next round starts: only a write-back
 * (which needs the old shape) could change it meanwhile, and a write-back
 * that overwrites a set() that resolved is the bug. Prints
 * `{"rounds":…,"lost":…}` at the end.
 *
 * Arguments: <dir> <rounds>
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import process from "node:process";
import { z } from "zod";
import { ConfigManager, defineConfig, LocalFileSource } from "../../mod.ts";

const [dir, roundsText] = process.argv.slice(2) as [string, string];
const rounds = Number(roundsText);
const OLD = { host: "old-host", port: 80 };
const Server = defineConfig({
  key: "Server",
  schema: z.object({ url: z.string() }),
});

const source = new LocalFileSource(dir);
await using manager = new ConfigManager([source]);
let lost = 0;
let last: unknown;
for (let round = 0; round < rounds; round++) {
  // Still what this process set last round: nobody else sets it.
  if (
    last !== undefined && !isDeepStrictEqual(await source.get("Server"), last)
  ) {
    lost++;
  }
  await source.set("Server", OLD);
  last = { url: `http://child-round-${round}` };
  await manager.set(Server, last as { url: string });
  if (!isDeepStrictEqual(await source.get("Server"), last)) lost++;
}
if (!isDeepStrictEqual(await source.get("Server"), last)) lost++;
console.log(JSON.stringify({ rounds, lost }));
