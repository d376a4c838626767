/**
 * Measures the OpenBao source's cost and failover, against the in-process
 * fake server:
 *
 * - HTTP requests per `get()`, cold (first call of a process) and warm;
 * - how long `ConfigManager.get` takes to fall over to SQLite when OpenBao
 *   hangs (bounded by `timeoutMs`) and when its port is closed, next to a
 *   `get` answered by a healthy OpenBao in the same run.
 *
 * Run: `deno run --allow-all bench/openbao_failover.ts [timeoutMs]`
 *
 * @module
 */
import { join } from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import process from "node:process";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  EnvSource,
  SqliteSource,
  StoreSource,
} from "../mod.ts";
import { OpenBaoStore } from "../stores/openbao/mod.ts";
import {
  closedPortAddress,
  startFakeOpenBao,
} from "../tests/_helpers/openbao_server.ts";
import { median } from "./_measure.ts";

const timeoutMs = Number(process.argv[2] ?? 2000);
const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string() }) });
/** Runs of the cases that take a millisecond: enough for a stable median. */
const FAST_RUNS = 50;
/** Runs of the case that waits for the timeout. */
const SLOW_RUNS = 5;

const dir = await mkdtemp(join(tmpdir(), "harmony-bao-bench-"));
const sqlite = await SqliteSource.open(join(dir, "config.db"));
await sqlite.set("Db", { host: "local" });

async function timeGet(
  address: string,
  expected: string,
  runs: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const manager = new ConfigManager([
      new EnvSource({ env: {} }),
      new StoreSource(
        new OpenBaoStore({
          address,
          auth: { token: "root" },
          env: {},
          timeoutMs,
          kvVersion: 2,
        }),
      ),
      sqlite,
    ]);
    const start = performance.now();
    const value = await manager.get(Db);
    times.push(performance.now() - start);
    if (value.host !== expected) {
      throw new Error(`expected ${expected}, got ${value.host}`);
    }
  }
  return times;
}

const summary = (times: number[]): string => {
  return `median ${median(times).toFixed(1)} ms (min ${
    Math.min(...times).toFixed(1)
  }, max ${Math.max(...times).toFixed(1)}, ${times.length} runs)`;
};

try {
  {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "team" });
    const store = new OpenBaoStore({
      address: bao.address,
      auth: { token: "root" },
      env: {},
    });
    await store.get("Db");
    const cold = bao.requests.length;
    const before = bao.requests.length;
    for (let i = 0; i < 10; i++) await store.get("Db");
    const warm = (bao.requests.length - before) / 10;
    console.log(
      `HTTP requests per get(): cold ${cold} (lookup-self, mount type, read), warm ${warm}`,
    );
    console.log(
      `healthy OpenBao answers (new store each run, kvVersion given): ${
        summary(await timeGet(bao.address, "team", FAST_RUNS))
      }`,
    );
  }
  {
    await using bao = await startFakeOpenBao();
    bao.addFault({ hang: true });
    console.log(
      `OpenBao hung, timeoutMs=${timeoutMs}, SQLite answers: ${
        summary(await timeGet(bao.address, "local", SLOW_RUNS))
      }`,
    );
    const manager = new ConfigManager([
      new StoreSource(
        new OpenBaoStore({
          address: bao.address,
          auth: { token: "root" },
          env: {},
          timeoutMs,
          kvVersion: 2,
        }),
      ),
      sqlite,
    ]);
    await manager.get(Db);
    const start = performance.now();
    await manager.get(Db);
    console.log(
      `OpenBao hung, next get() on the same store (outage remembered 5 s): ${
        (performance.now() - start).toFixed(1)
      } ms`,
    );
  }
  {
    const address = await closedPortAddress();
    console.log(
      `OpenBao port closed, SQLite answers: ${
        summary(await timeGet(address, "local", FAST_RUNS))
      }`,
    );
  }
} finally {
  sqlite.close();
  await rm(dir, { recursive: true, force: true });
}
