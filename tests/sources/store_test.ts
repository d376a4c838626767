import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import {
  ConfigManager,
  ConfigSourceError,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  secret,
  type SecretStore,
  SourceUnavailableError,
  SqliteSource,
  StoreSource,
} from "../../mod.ts";
import { OpenBaoStore } from "../../stores/openbao/mod.ts";
import {
  closedPortAddress,
  type FakeOpenBao,
  startFakeOpenBao,
} from "../_helpers/openbao_server.ts";
import { tempDir } from "../_helpers/temp.ts";
import { rejection } from "../_helpers/rejection.ts";
import { promptingManager } from "../_helpers/prompting.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string(), password: secret(z.string()) }),
});

function openBao(bao: FakeOpenBao | string, timeoutMs = 2000): OpenBaoStore {
  const address = typeof bao === "string" ? bao : bao.address;
  return new OpenBaoStore({
    address,
    auth: { token: "root" },
    env: {},
    timeoutMs,
  });
}

/** A third-party store over a Map, to check what StoreSource does with what it returns. */
function mapStore(values: Map<string, string>, failWith?: Error): SecretStore {
  const fail = <T>(value: T): Promise<T> =>
    failWith ? Promise.reject(failWith) : Promise.resolve(value);
  return {
    name: "map",
    get: (key) => fail(values.get(key)),
    set: (key, value) => fail(void values.set(key, value)),
    delete: (key) => fail(values.delete(key)),
    keys: () => fail([...values.keys()]),
  };
}

describe("StoreSource", () => {
  it("reads, writes, lists and deletes through the store, with the store's locator and version", async () => {
    await using bao = await startFakeOpenBao();
    const source = new StoreSource(openBao(bao));
    assert.equal(source.name, `openbao:${bao.address}`);
    assert.equal(source.persists, true);
    await source.set("Db", { host: "db", password: "pw" });
    await source.set("Db", { host: "db2", password: "pw" });
    assert.deepEqual(await source.get("Db"), { host: "db2", password: "pw" });
    const entry = await source.entry("Db");
    assert.equal(
      entry?.locator,
      `${bao.address}/v1/secret/data/harmony/config/Db`,
    );
    assert.equal(entry?.version, 2);
    assert.equal(typeof entry?.updatedAt, "string");
    assert.equal(source.locate("Db"), entry?.locator);
    assert.deepEqual(await source.keys(), ["Db"]);
    assert.equal(await source.delete("Db"), true);
    assert.equal(await source.get("Db"), undefined);
    assert.deepEqual(source.permissions(), [{
      name: "net",
      host: new URL(bao.address).host,
    }]);
  });

  it("throws SourceUnavailableError under its own name when the store is down, by default", async () => {
    await using bao = await startFakeOpenBao();
    bao.seal();
    const source = new StoreSource(openBao(bao), { name: "team-bao" });
    const error = await rejection(source.get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.source, "team-bao");
    assert.equal(error.reason, "sealed (503)");
    assert.equal(error.key, "Db");
  });

  it("fails instead of falling through with onUnavailable: error", async () => {
    const source = new StoreSource(openBao(await closedPortAddress()), {
      onUnavailable: "error",
    });
    const error = await rejection(source.get("Db"));
    assert.ok(error instanceof ConfigSourceError);
    assert.ok(!(error instanceof SourceUnavailableError));
    assert.match(
      error.message,
      /unavailable \(connection refused\) and is configured not to fall through/,
    );
  });

  it("reports invalid JSON from a store without quoting it", async () => {
    const source = new StoreSource(
      mapStore(new Map([["Db", "{not json: hunter2"]])),
    );
    const error = await rejection(source.get("Db"));
    assert.ok(error instanceof ConfigValidationError);
    assert.ok(!error.message.includes("hunter2"));
  });

  it("wraps a third-party store's own error without its message, which may quote a value", async () => {
    const source = new StoreSource(
      mapStore(new Map(), new TypeError("bad value hunter2")),
    );
    const error = await rejection(source.get("Db"));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(error.message, /map failed for key "Db" \(TypeError\)/);
    assert.ok(!error.message.includes("hunter2") && error.cause === undefined);
  });
});

describe("ConfigManager([EnvSource, StoreSource(OpenBao), SqliteSource])", () => {
  async function chain(
    bao: FakeOpenBao | string,
    dir: string,
    env: Record<string, string> = {},
    timeoutMs = 2000,
  ): Promise<{ manager: ConfigManager; sqlite: SqliteSource }> {
    const sqlite = await SqliteSource.open(join(dir, "config.db"));
    const manager = new ConfigManager([
      new EnvSource({ env }),
      new StoreSource(openBao(bao, timeoutMs)),
      sqlite,
    ]);
    return { manager, sqlite };
  }

  it("lets a value in OpenBao win over SQLite, and env over both", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    const env: Record<string, string> = {};
    const { manager, sqlite } = await chain(bao, dir.path, env);
    await using _ = manager;
    await sqlite.set("Db", { host: "local", password: "l" });
    bao.putKv("harmony/config/Db", { host: "team", password: "t" });
    assert.deepEqual(await manager.get(Db), { host: "team", password: "t" });
    const how = await manager.explain(Db);
    assert.equal(how.answeredBy, `openbao:${bao.address}`);
    assert.deepEqual(how.steps.map((s) => s.status), ["miss", "hit", "hit"]);
    assert.equal(how.steps[1]?.version, 1);
    assert.deepEqual(how.value, { host: "team", password: "<redacted>" });
    env.HARMONY_CONFIG_Db = JSON.stringify({ host: "env", password: "e" });
    assert.equal((await manager.get(Db)).host, "env");
  });

  it("writes set() to OpenBao, the first source that persists", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    const { manager, sqlite } = await chain(bao, dir.path);
    await using _ = manager;
    await manager.set(Db, { host: "h", password: "p" });
    assert.deepEqual(bao.readKv("harmony/config/Db"), {
      host: "h",
      password: "p",
    });
    assert.equal(await sqlite.get("Db"), undefined);
  });

  it("answers from SQLite within the timeout when OpenBao hangs, and explain() says why", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    bao.addFault({ hang: true });
    const { manager, sqlite } = await chain(bao, dir.path, {}, 200);
    await using _ = manager;
    await sqlite.set("Db", { host: "local", password: "l" });
    assert.equal((await manager.get(Db)).host, "local");
    const how = await manager.explain(Db);
    assert.equal(how.answeredBy, `sqlite:${join(dir.path, "config.db")}`);
    assert.equal(how.steps[1]?.source, `openbao:${bao.address}`);
    assert.equal(how.steps[1]?.status, "unavailable");
    // The outage is remembered for a few seconds: explain() says so rather
    // than waiting for another timeout.
    assert.match(
      how.steps[1]?.reason ?? "",
      /^timed out after 200 ms \(remembered: not retried for [1-5] s\)$/,
    );
    assert.equal(bao.requests.length, 1, "one hung request, not one per call");
  });

  it("answers from SQLite when OpenBao's port is closed, and names it when nothing answers", async () => {
    await using dir = await tempDir();
    const address = await closedPortAddress();
    const { manager, sqlite } = await chain(address, dir.path);
    await using _ = manager;
    await sqlite.set("Db", { host: "local", password: "l" });
    assert.equal((await manager.get(Db)).host, "local");
    assert.match(
      (await manager.explain(Db)).steps[1]?.reason ?? "",
      /^connection refused/,
    );
    await sqlite.delete("Db");
    const error = await rejection(manager.get(Db));
    assert.match(error.message, /is unavailable: connection refused/);
  });

  it("does not fall through on a policy denial", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    bao.addPolicy("nothing", [{
      path: "secret/data/elsewhere/*",
      capabilities: ["read"],
    }]);
    const sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    const token = bao.createToken({ policies: ["nothing"] });
    await using manager = new ConfigManager([
      new StoreSource(
        new OpenBaoStore({ address: bao.address, auth: { token }, env: {} }),
      ),
      sqlite,
    ]);
    await sqlite.set("Db", { host: "local", password: "l" });
    const error = await rejection(manager.get(Db));
    assert.ok(
      error instanceof ConfigSourceError &&
        !(error instanceof SourceUnavailableError),
    );
    assert.match(error.message, /403 permission denied/);
  });

  it("persists a getOrPrompt answer to OpenBao", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    const Name = defineConfig({
      key: "Name",
      schema: z.string().describe("Your name"),
    });
    const sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    const { manager, term } = promptingManager(
      new EnvSource({ env: {} }),
      new StoreSource(openBao(bao)),
      sqlite,
    );
    await using _ = manager;
    const pending = manager.getOrPrompt(Name);
    await term.answer("Your name", "harmony");
    assert.equal(await pending, "harmony");
    assert.deepEqual(bao.readKv("harmony/config/Name"), { value: "harmony" });
    assert.equal(await sqlite.get("Name"), undefined);
  });
});

describe("StoreSource over a store that answers something other than JSON text", () => {
  it("null, a number or an already-parsed object is a ConfigSourceError naming the store and the key, never a TypeError", async () => {
    for (const answer of [null, 42, { host: "db" }]) {
      const store = {
        name: "js-store",
        get: () => Promise.resolve(answer),
        set: () => Promise.resolve(),
        delete: () => Promise.resolve(false),
        keys: () => Promise.resolve([]),
      } as unknown as SecretStore;
      const manager = new ConfigManager([new StoreSource(store)]);
      const error = await rejection(manager.get(Db));
      assert.ok(error instanceof ConfigSourceError, String(error));
      assert.equal(error.key, "Db");
      assert.match(
        error.message,
        /js-store .* for key "Db" instead of JSON text/,
      );
      const step = (await manager.explain(Db)).steps[0];
      assert.equal(step?.status, "error");
      await manager.close();
    }
  });
});
