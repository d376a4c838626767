/**
 * StoreSource's opt-in in-memory cache, over an OpenBaoStore on the
 * in-process OpenBao: no request within the TTL, revalidation after it,
 * stale answers through an outage (marked in explain() with their age),
 * and nothing written to disk.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  defineConfig,
  MemorySource,
  type SecretStore,
  StoreSource,
} from "../../mod.ts";
import { startFakeOpenBao } from "../_helpers/openbao_server.ts";
import { store } from "../_helpers/openbao_store.ts";
import { baseEnv, isDeno, runFixture } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";
import { eventually } from "../_helpers/watch.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string() }),
});
const DATA_PATH = "secret/data/harmony/config/Db";

/** The requests the server saw for `Db`'s data. */
function reads(requests: readonly { path: string }[]): number {
  return requests.filter((request) => request.path === DATA_PATH).length;
}

describe("StoreSource with a cache", () => {
  test("within the TTL, gets cost no request; after it, the next read asks and sees a new version", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "v1" });
    const team = new StoreSource(store(bao, { kvVersion: 2 }), {
      cache: { ttlMs: 30_000 },
      now,
    });
    await using manager = new ConfigManager([team]);
    assert.equal((await manager.get(Db)).host, "v1");
    for (let i = 0; i < 1000; i++) await team.get("Db");
    for (let i = 0; i < 1000; i++) await manager.get(Db);
    assert.equal(reads(bao.requests), 1, "one request for 2,001 reads");
    const explained = await manager.explain(Db);
    assert.equal(explained.steps[0]?.cache?.state, "fresh");
    assert.equal(explained.steps[0]?.cache?.ageMs, 0);
    bao.putKv("harmony/config/Db", { host: "v2" });
    clock += 30_000;
    assert.equal((await manager.get(Db)).host, "v2");
    assert.equal(reads(bao.requests), 2);
  });

  test("through an outage, a value read within maxStaleMs answers at once, marked stale with its age; past it, the chain falls through", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "team" });
    const team = new StoreSource(store(bao, { kvVersion: 2, now }), {
      cache: { ttlMs: 1_000, maxStaleMs: 60_000 },
      now,
    });
    const local = new MemorySource({ Db: { host: "local" } });
    await using manager = new ConfigManager([team, local]);
    assert.equal((await manager.get(Db)).host, "team");
    bao.seal();
    clock += 10_000;
    assert.equal((await manager.get(Db)).host, "team", "stale, not local");
    const before = bao.requests.length;
    for (let i = 0; i < 100; i++) {
      assert.equal((await manager.get(Db)).host, "team");
    }
    assert.equal(
      bao.requests.length,
      before,
      "during a known outage, no read sends a request",
    );
    const explained = await manager.explain(Db);
    assert.equal(explained.answeredBy, team.name);
    const cache = explained.steps[0]?.cache;
    assert.equal(cache?.state, "stale");
    assert.equal(cache?.ageMs, 10_000);
    assert.match(cache?.reason ?? "", /sealed|503/);
    clock += 50_000; // 60 s after the read: too old
    assert.equal((await manager.get(Db)).host, "local");
    assert.equal((await manager.explain(Db)).steps[0]?.status, "unavailable");
  });

  test("once the store is back, a background request refreshes the value", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "before" });
    const team = new StoreSource(
      store(bao, { kvVersion: 2, now, unavailableRetryMs: 0 }),
      { cache: { ttlMs: 1_000, maxStaleMs: 600_000 }, now },
    );
    await using manager = new ConfigManager([team]);
    await manager.get(Db);
    bao.seal();
    clock += 5_000;
    assert.equal((await manager.get(Db)).host, "before"); // finds the outage
    bao.unseal();
    bao.putKv("harmony/config/Db", { host: "after" });
    clock += 2_000; // past the second between background requests
    const host = await eventually(async () => {
      const { host } = await manager.get(Db);
      return host === "after" ? host : undefined;
    }, "the refreshed value");
    assert.equal(host, "after");
  });

  test("a write through the source drops its cached value and tells watchers at once", async () => {
    const values = new Map([["Db", '{"host":"a"}']]);
    let requests = 0;
    const map: SecretStore = {
      name: "map",
      get: (key) => {
        requests++;
        return Promise.resolve(values.get(key));
      },
      set: (key, value) => Promise.resolve(void values.set(key, value)),
      delete: (key) => Promise.resolve(values.delete(key)),
      keys: () => Promise.resolve([...values.keys()]),
    };
    const team = new StoreSource(map, { cache: { ttlMs: 60_000 } });
    await using manager = new ConfigManager([team]);
    assert.equal((await manager.get(Db)).host, "a");
    const heard: string[] = [];
    const stop = team.onChange("Db", () => heard.push("Db"));
    await manager.set(Db, { host: "b" });
    assert.deepEqual(heard, ["Db"]);
    assert.equal((await manager.get(Db)).host, "b");
    assert.equal(requests, 2);
    await stop();
  });

  test(
    "nothing from the store is written to disk: a process with no read or write permission at all uses the cache",
    {
      skip: isDeno ? false : "uses Deno's permissions",
    },
    async () => {
      await using bao = await startFakeOpenBao();
      bao.putKv("harmony/config/Db", { host: "team" });
      await using home = await tempDir();
      const host = new URL(bao.address).host;
      const result = await runFixture(
        new URL("../_fixtures/store_cache_no_disk.ts", import.meta.url),
        [bao.address, bao.rootToken],
        {
          denoFlags: [`--allow-net=${host}`],
          env: baseEnv({ HARMONY_DATA_DIR: join(home.path, "d") }),
        },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), {
        hosts: ["team", "team", "team"],
        secondGet: 0,
        stale: "stale",
      });
    },
  );

  test("a read in flight when the store reports a change never puts the old value back in the cache", async () => {
    let stored = '{"host":"v1"}';
    let gate: Promise<void> | undefined;
    let asked: (() => void) | undefined;
    let report: (() => void) | undefined;
    const store: SecretStore = {
      name: "gated-store",
      async get(): Promise<string> {
        const text = stored; // what the store held when the request went out
        asked?.();
        await gate;
        return text;
      },
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve(["Db"]),
      onChange(_key: string, listener: () => void): () => void {
        report = listener;
        return () => {
          report = undefined;
        };
      },
    };
    const source = new StoreSource(store, { cache: { ttlMs: 60_000 } });
    const stop = source.onChange("Db", () => {});
    try {
      let release!: () => void;
      gate = new Promise((resolve) => release = resolve);
      const sent = new Promise<void>((resolve) => asked = resolve);
      const slow = source.get("Db"); // asks, and waits for the answer
      await sent;
      asked = undefined;
      stored = '{"host":"v2"}';
      gate = undefined;
      report!(); // the store saw the change: the cache drops the key
      assert.deepEqual(await source.get("Db"), { host: "v2" });
      release();
      assert.deepEqual(await slow, { host: "v1" }); // what it read, before the change
      assert.deepEqual(
        await source.get("Db"),
        { host: "v2" },
        "the answer that left before the change was cached over the newer one",
      );
    } finally {
      await stop();
      await source.close();
    }
  });

  test("refuses a ttlMs or maxStaleMs that is NaN or negative, naming the option; Infinity is no limit", () => {
    const memory: SecretStore = {
      name: "memory-store",
      get: () => Promise.resolve(undefined),
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve([]),
    };
    for (
      const cache of [{ ttlMs: Number.NaN }, { ttlMs: -1 }, {
        ttlMs: 1000,
        maxStaleMs: Number.NaN,
      }, { ttlMs: 1000, maxStaleMs: -5 }]
    ) {
      assert.throws(
        () => new StoreSource(memory, { cache }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /cache\.(ttlMs|maxStaleMs) must be a number of ms of at least 0/.test(
            error.message,
          ) &&
          error.source === "memory-store",
        JSON.stringify(cache),
      );
    }
    const forever = new StoreSource(memory, {
      cache: { ttlMs: Infinity, maxStaleMs: Infinity },
    });
    assert.deepEqual(forever.cache, { ttlMs: Infinity, maxStaleMs: Infinity });
  });
});
