// Child process for tests/global_test.ts: the global API over the default chain.
import process from "node:process";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  get,
  init,
  MemorySource,
  reset,
  set,
} from "../../mod.ts";

const Counter = defineConfig({
  key: "Counter",
  schema: z.object({ runs: z.number().int() }),
});
const mode = process.argv[2];
if (mode === "lazy") {
  // get before init builds the default chain: env, then SQLite at the default path.
  let runs = 0;
  try {
    runs = (await get(Counter)).runs;
  } catch (error) {
    if ((error as Error).name !== "ConfigNotFoundError") throw error;
  }
  await set(Counter, { runs: runs + 1 });
  console.log(JSON.stringify({ runs: (await get(Counter)).runs }));
} else if (mode === "init-not-awaited") {
  // init(manager) as the Rust crate's synchronous init() is called: no
  // await. The set right after must go to this manager, never to a default
  // store in the data dir.
  const memory = new MemorySource();
  const manager = new ConfigManager([memory]);
  void init(manager);
  await set(Counter, { runs: 1 });
  console.log(JSON.stringify({
    inGiven: await memory.get("Counter") ?? null,
    fromGet: (await get(Counter)).runs,
  }));
} else {
  const manager = await init();
  console.log(JSON.stringify({ sources: manager.sources.map((s) => s.name) }));
}
await reset();
