/**
 * Watching a key in OpenBao: its version is polled (OpenBao has no push),
 * so a new version written by another process (`harmony-config set
 * --source openbao`) reaches the watcher, and an outage is a change too:
 * the chain falls through to SQLite, and back once OpenBao answers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  defineConfig,
  EnvSource,
  MemorySource,
  SqliteSource,
  StoreSource,
} from "../../../mod.ts";
import { BROAD_FLAGS, runCli } from "../../_helpers/cli.ts";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
import { store } from "../../_helpers/openbao_store.ts";
import { sanitizedTest } from "../../_helpers/sanitized.ts";
import { tempDir } from "../../_helpers/temp.ts";
import { nextEvent, nextValue } from "../../_helpers/watch.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string() }),
});

describe("OpenBaoStore: watching a key", () => {
  test("a new version written by harmony-config set in another process reaches the watcher", async () => {
    await using data = await tempDir();
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "v1" });
    const team = new StoreSource(
      store(bao, { kvVersion: 2, watchIntervalMs: 50 }),
    );
    await using manager = new ConfigManager([
      new EnvSource({ env: {} }),
      team,
    ]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "v1");
    const result = await runCli(
      [...BROAD_FLAGS, `--allow-net=${new URL(bao.address).host}`],
      ["set", "Db", '{"host":"v2"}', "--source", "openbao"],
      {
        env: {
          HARMONY_DATA_DIR: data.path,
          OPENBAO_URL: bao.address,
          BAO_TOKEN: bao.rootToken,
        },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await nextValue(watch, "the CLI's new version")).host, "v2");
  });

  test("an outage falls through to SQLite and back; a destroyed key is missing", async () => {
    await using dir = await tempDir();
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "team" });
    using sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    await sqlite.set("Db", { host: "local" });
    const team = new StoreSource(
      store(bao, {
        kvVersion: 2,
        watchIntervalMs: 50,
        unavailableRetryMs: 0,
      }),
    );
    await using manager = new ConfigManager([team, sqlite]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "team");
    bao.seal();
    const down = await nextEvent(watch, "the outage");
    assert.equal(down.kind === "value" && down.source, sqlite);
    bao.unseal();
    const back = await nextEvent(watch, "OpenBao back");
    assert.equal(back.kind === "value" && back.source, team);
    const gone = await fetch(
      `${bao.address}/v1/secret/metadata/harmony/config/Db`,
      {
        method: "DELETE",
        headers: { "X-Vault-Token": bao.rootToken, "X-Vault-Request": "true" },
      },
    );
    await gone.body?.cancel();
    const local = await nextEvent(watch, "the key's metadata deleted");
    assert.equal(local.kind === "value" && local.source, sqlite);
  });

  test("a state a read saw between two polls is not missed when it goes (KV v1: only values to compare)", async () => {
    await using bao = await startFakeOpenBao();
    bao.enableKv("kv1", { version: 1 });
    const writer = store(bao, { mount: "kv1", kvVersion: 1 });
    await writer.set("Db", '{"host":"a"}');
    const team = new StoreSource(
      store(bao, { mount: "kv1", kvVersion: 1, watchIntervalMs: 1000 }),
    );
    const below = new MemorySource();
    await using manager = new ConfigManager([team, below]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "a");
    // Another client writes b; a change below makes the watcher read the
    // whole chain, and so b, before a poll sees it; then a is back.
    await writer.set("Db", '{"host":"b"}');
    await below.set("Db", { host: "below" });
    assert.equal((await nextValue(watch, "b, read early")).host, "b");
    await writer.set("Db", '{"host":"a"}');
    assert.equal(
      (await nextValue(watch, "a again, which the polls saw before")).host,
      "a",
    );
  });

  test("a policy that may read the data but not the metadata: the value is polled instead", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("data-only", [{
      path: "secret/data/harmony/config/*",
      capabilities: ["read"],
    }]);
    const token = bao.createToken({ policies: ["data-only"] });
    bao.putKv("harmony/config/Db", { host: "v1" });
    const team = new StoreSource(
      store(bao, { kvVersion: 2, watchIntervalMs: 50, auth: { token } }),
    );
    await using manager = new ConfigManager([team]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "v1");
    bao.putKv("harmony/config/Db", { host: "v2" });
    assert.equal((await nextValue(watch, "the new version")).host, "v2");
  });

  test("refuses a watchIntervalMs a timer would turn into a poll every 1 ms (0, negative, NaN, Infinity)", async () => {
    await using bao = await startFakeOpenBao();
    for (const watchIntervalMs of [0, -1, Number.NaN, Infinity]) {
      assert.throws(
        () => store(bao, { sessionFile: false, watchIntervalMs }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /OpenBaoStore's watchIntervalMs must be a number of ms above 0/.test(
            error.message,
          ),
        String(watchIntervalMs),
      );
    }
    assert.deepEqual(bao.requests, []);
  });
});

sanitizedTest(
  "OpenBaoStore: a watch's polls end with it, and the store's close ends any left",
  async () => {
    const bao = await startFakeOpenBao();
    try {
      bao.putKv("harmony/config/Db", { host: "v1" });
      const team = new StoreSource(
        store(bao, { kvVersion: 2, watchIntervalMs: 20 }),
      );
      const manager = new ConfigManager([team]);
      const watch = manager.watch(Db);
      assert.equal((await nextValue(watch, "start")).host, "v1");
      await watch.close();
      const stop = team.onChange("Db", () => {});
      await manager.close(); // closes the store, and with it the poll above
      await stop();
    } finally {
      await bao.close();
    }
  },
);
