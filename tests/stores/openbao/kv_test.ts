/**
 * KV v2 and KV v1 reads, writes, deletes and listing, check-and-set, and mount
 * detection.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigSourceError, SourceUnavailableError } from "../../../errors.ts";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
import { errorText, store } from "../../_helpers/openbao_store.ts";
import { rejection } from "../../_helpers/rejection.ts";

describe("OpenBaoStore: KV v2", () => {
  it("round-trips every kind of JSON value, storing objects as-is and wrapping the rest", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    const values: Record<string, unknown> = {
      Str: "text",
      Num: 42.5,
      Bool: false,
      Nil: null,
      Arr: [1, "two", { three: 3 }],
      Obj: { host: "db", port: 5432, nested: { a: [true] } },
      Empty: {},
      LooksWrapped: { value: 7 },
    };
    for (const [key, value] of Object.entries(values)) {
      await s.set(key, JSON.stringify(value));
      assert.deepEqual(JSON.parse((await s.get(key))!), value, key);
    }
    assert.deepEqual(bao.readKv("harmony/config/Obj"), {
      host: "db",
      nested: { a: [true] },
      port: 5432,
    });
    assert.deepEqual(bao.readKv("harmony/config/Str"), { value: "text" });
    assert.deepEqual(bao.readKv("harmony/config/LooksWrapped"), {
      value: { value: 7 },
    });
  });

  it("reads what `bao kv put` wrote, and reports the version and write time", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "a" });
    bao.putKv("harmony/config/Db", { host: "b" });
    const entry = await store(bao).entry("Db");
    assert.equal(entry?.value, '{"host":"b"}');
    assert.equal(entry?.version, 2);
    assert.match(entry?.updatedAt ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.equal(
      entry?.locator,
      `${bao.address}/v1/secret/data/harmony/config/Db`,
    );
  });

  it("treats a missing key, a soft-deleted version and a destroyed version as absent", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    assert.equal(await s.get("Missing"), undefined);
    await s.set("Gone", '"x"');
    const headers = {
      "X-Vault-Token": bao.rootToken,
      "X-Vault-Request": "true",
    };
    const soft = await fetch(
      `${bao.address}/v1/secret/data/harmony/config/Gone`,
      { method: "DELETE", headers },
    );
    await soft.body?.cancel();
    const read = await fetch(
      `${bao.address}/v1/secret/data/harmony/config/Gone`,
      { headers },
    );
    const envelope = await read.json();
    assert.equal(read.status, 404);
    assert.equal(envelope.data.data, null, "the soft-deleted envelope");
    assert.equal(await s.get("Gone"), undefined);
    await s.set("Burnt", '"y"');
    const destroy = await fetch(
      `${bao.address}/v1/secret/destroy/harmony/config/Burnt`,
      {
        method: "PUT",
        headers,
        body: JSON.stringify({ versions: [1] }),
      },
    );
    await destroy.body?.cancel();
    assert.equal(await s.get("Burnt"), undefined);
    // A soft-deleted key still has a current version: the next write follows it.
    await s.set("Gone", '"z"');
    assert.equal((await s.entry("Gone"))?.version, 2);
  });

  it("deletes the metadata (every version), and lists keys with LIST semantics", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    assert.deepEqual(await s.keys(), [], "an empty folder answers 404");
    await s.set("B", "1");
    await s.set("A", "2");
    bao.putKv("harmony/config/sub/Nested", { x: 1 });
    assert.deepEqual(await s.keys(), ["A", "B"]);
    assert.equal(await s.delete("A"), true);
    assert.equal(await s.delete("A"), false);
    assert.equal(bao.readKv("harmony/config/A"), undefined);
    const list = bao.requests.filter((r) => r.query === "?list=true");
    assert.ok(list.every((r) => r.path === "secret/metadata/harmony/config/"));
    const deletes = bao.requests.filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path), [
      "secret/metadata/harmony/config/A",
    ]);
  });

  it("sends X-Vault-Request on every request and X-Vault-Namespace when set", async () => {
    await using bao = await startFakeOpenBao({ requireRequestHeader: true });
    bao.enableKv("secret", { namespace: "team1/" });
    const s = store(bao, { namespace: "team1" });
    await s.set("Db", '{"host":"db"}');
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.deepEqual(bao.readKv("harmony/config/Db", { namespace: "team1/" }), {
      host: "db",
    });
    assert.equal(
      bao.readKv("harmony/config/Db"),
      undefined,
      "the root namespace is untouched",
    );
    assert.ok(
      bao.requests.every((r) => r.requestHeader && r.namespace === "team1/"),
    );
  });

  it("uses the current version as CAS when the key requires it, and reports a lost race", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    await s.set("Db", '{"v":1}');
    bao.setKvMetadata("harmony/config/Db", { casRequired: true });
    await s.set("Db", '{"v":2}');
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: 2 });
    // Another writer slips in between our metadata read and our CAS write.
    // Our write: POST (400 cas required), GET metadata (version 2), POST
    // with cas 2: the other write lands just before that last POST.
    bao.addFault({
      method: "POST",
      path: "secret/data/harmony/config/Db",
      before: () => {
        if (bao.requests.filter((r) => r.method === "POST").length === 5) {
          bao.putKv("harmony/config/Db", { v: "theirs-7f3a" });
        }
      },
    });
    const error = await rejection(s.set("Db", '{"v":"mine-9b1c"}'));
    assert.ok(error instanceof ConfigSourceError);
    assert.ok(!(error instanceof SourceUnavailableError));
    assert.match(error.message, /check-and-set failed; it is now at version 3/);
    assert.ok(
      !errorText(error).includes("mine-9b1c") &&
        !errorText(error).includes("theirs-7f3a"),
    );
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: "theirs-7f3a" });
  });

  it("checks a required CAS against the version it read, so it never overwrites a change it has not seen", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { v: 1 });
    bao.setKvMetadata("harmony/config/Db", { casRequired: true });
    const s = store(bao);
    assert.equal(await s.get("Db"), '{"v":1}');
    bao.putKv("harmony/config/Db", { v: "theirs-51d0" }); // version 2
    const error = await rejection(s.set("Db", '{"v":"mine-0c2e"}'));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(error.message, /check-and-set failed; it is now at version 2/);
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: "theirs-51d0" });
    // Reading again sees version 2, so the next write goes through, and the
    // one after it uses the version that write created.
    await s.get("Db");
    await s.set("Db", '{"v":3}');
    await s.set("Db", '{"v":4}');
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: 4 });
    // A store that never read the key writes over the current version.
    await store(bao).set("Db", '{"v":5}');
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: 5 });
  });
});

describe("OpenBaoStore: KV v1", () => {
  it("detects a v1 mount and reads, writes, lists and deletes flat secrets", async () => {
    await using bao = await startFakeOpenBao();
    bao.enableKv("kv", { version: 1 });
    const s = store(bao, { mount: "kv" });
    await s.set("Db", '{"host":"db"}');
    await s.set("Port", "5432");
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.equal(await s.get("Port"), "5432");
    assert.deepEqual(await s.keys(), ["Db", "Port"]);
    assert.equal(await s.delete("Port"), true);
    assert.equal(await s.get("Port"), undefined);
    assert.ok(bao.requests.some((r) => r.path === "sys/internal/ui/mounts/kv"));
    assert.ok(bao.requests.every((r) => !r.path.includes("/data/")));
  });

  it("says so when KV v1 paths reach a KV v2 mount, instead of reading absent", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    const error = await rejection(store(bao, { kvVersion: 1 }).get("Db"));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(
      error.message,
      /is KV version 2, but KV v1 paths were used: pass kvVersion: 2/,
    );
  });

  it("names the command to run when the mount does not exist", async () => {
    await using bao = await startFakeOpenBao();
    const error = await rejection(store(bao, { mount: "nope" }).get("Db"));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(error.message, /bao secrets enable -path=nope kv-v2/);
  });
});
