// Child process for tests/reliability/concurrency_test.ts. It opens the DB,
// prints "ready", waits for "go" on stdin (the barrier), then makes <count>
// interleaved sets: its own keys, keys every writer shares, and its counter.
// It reads each own key back right after writing it. At the end it prints
// when it wrote, then the last value it wrote to every key, as JSON. Any error exits non-zero.
import { createInterface } from "node:readline";
import process from "node:process";
import { z } from "zod";
import { ConfigManager, defineConfig, SqliteSource } from "../../mod.ts";

const [path, writerText, countText] = process.argv.slice(2);
const writer = Number(writerText);
const count = Number(countText);
const Write = z.object({ writer: z.number().int(), seq: z.number().int() });

const own = [0, 1, 2].map((k) =>
  defineConfig({ key: `Own_${writer}_${k}`, schema: Write })
);
const shared = [0, 1, 2].map((k) =>
  defineConfig({ key: `Shared_${k}`, schema: Write })
);
const counter = defineConfig({
  key: `Counter_${writer}`,
  schema: z.number().int(),
});

await using manager = new ConfigManager([await SqliteSource.open(path)]);
console.log("ready");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === "go") break;
lines.close();

const last: Record<string, unknown> = {};
const started = Date.now();
for (let seq = 0; seq < count; seq++) {
  const value = { writer, seq };
  switch (seq % 4) {
    case 0:
    case 2: {
      const def = own[(seq / 2) % 3 | 0]!;
      await manager.set(def, value);
      const back = await manager.get(def);
      if (back.seq !== seq || back.writer !== writer) {
        throw new Error(`${def.key} read back seq ${back.seq}, wrote ${seq}`);
      }
      last[def.key] = value;
      break;
    }
    case 1: {
      const def = shared[seq % 3]!;
      await manager.set(def, value);
      last[def.key] = value;
      break;
    }
    case 3: {
      // How many sets this writer has made, this one included.
      await manager.set(counter, seq + 1);
      last[counter.key] = seq + 1;
      break;
    }
  }
}
// When this writer wrote, so the test can check that all of them overlapped.
console.log(JSON.stringify({ started, ended: Date.now() }));
console.log(JSON.stringify(last));
