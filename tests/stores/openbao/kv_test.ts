/**
 * KV v2 and KV v1 reads, writes, deletes and listing, check-and-set, and mount
 * detection.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigSourceError, SourceUnavailableError } from "../../../errors.ts";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
import {
  addConfigPolicy,
  errorText,
  store,
} from "../../_helpers/openbao_store.ts";
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

/** Every kind of JSON value, the empty object and array included. */
const VALUES: Record<string, unknown> = {
  Str: "text",
  EmptyStr: "",
  Num: 42.5,
  Zero: 0,
  Bool: false,
  Nil: null,
  Arr: [1, "two", { three: 3 }],
  EmptyArr: [],
  Obj: { host: "db", port: 5432, nested: { a: [true] } },
  Empty: {},
  LooksWrapped: { value: 7 },
  WrappedEmpty: { value: {} },
};

describe("OpenBaoStore: every JSON value on both KV versions", () => {
  for (const version of [1, 2] as const) {
    it(`round-trips every value on KV v${version}, {} included`, async () => {
      await using bao = await startFakeOpenBao();
      bao.enableKv("kv", { version });
      const s = store(bao, { mount: "kv" });
      for (const [key, value] of Object.entries(VALUES)) {
        await s.set(key, JSON.stringify(value));
        assert.deepEqual(JSON.parse((await s.get(key))!), value, key);
      }
      // A fresh store reads what the first one wrote.
      const again = store(bao, { mount: "kv" });
      for (const [key, value] of Object.entries(VALUES)) {
        assert.deepEqual(JSON.parse((await again.get(key))!), value, key);
      }
    });
  }
});

describe("OpenBaoStore: a mount name that does not exist", () => {
  it("says the mount may not exist, and how to enable it, when the token may not see it", async () => {
    await using bao = await startFakeOpenBao();
    const policy = addConfigPolicy(bao);
    const token = bao.createToken({ policies: [policy] });
    const s = store(bao, { auth: { token }, mount: "secrets" });
    for (
      const operation of [
        () => s.get("Db"),
        () => s.set("Db", '{"host":"db"}'),
        () => s.keys(),
      ]
    ) {
      const error = await rejection(operation());
      assert.ok(
        error instanceof ConfigSourceError &&
          !(error instanceof SourceUnavailableError),
      );
      assert.match(error.message, /the mount "secrets\/" does not exist/);
      assert.match(error.message, /bao secrets enable -path=secrets kv-v2/);
      assert.match(error.message, /or no policy grants/);
    }
    // The mount that does exist works with the same token.
    await store(bao, { auth: { token } }).set("Db", '{"host":"db"}');
  });

  it("blames the policy alone once the mount is confirmed", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("list-only", [{
      path: "secret/metadata/harmony/config/*",
      capabilities: ["list"],
    }]);
    const token = bao.createToken({ policies: ["list-only"] });
    const error = await rejection(store(bao, { auth: { token } }).get("Db"));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(
      error.message,
      /the token is valid but no policy grants "read" on secret\/data\/harmony\/config\/\*/,
    );
    assert.doesNotMatch(error.message, /does not exist/);
  });
});

describe("OpenBaoStore: keys() agrees with get()", () => {
  const headers = (bao: { rootToken: string }): Record<string, string> => ({
    "X-Vault-Token": bao.rootToken,
    "X-Vault-Request": "true",
  });

  async function call(
    bao: { address: string; rootToken: string },
    method: string,
    path: string,
    body?: unknown,
  ): Promise<number> {
    const response = await fetch(`${bao.address}/v1/${path}`, {
      method,
      headers: headers(bao),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await response.body?.cancel();
    return response.status;
  }

  it("hides soft-deleted and destroyed keys, which get() reads as absent, and shows an undeleted one again", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    for (const key of ["Live", "Soft", "Burnt", "Old"]) await s.set(key, "1");
    await s.set("Old", "2");
    assert.equal(
      await call(bao, "DELETE", "secret/data/harmony/config/Soft"),
      204,
    );
    assert.equal(
      await call(bao, "PUT", "secret/destroy/harmony/config/Burnt", {
        versions: [1],
      }),
      204,
    );
    // Only an old version of Old is deleted: its current one is live.
    assert.equal(
      await call(bao, "POST", "secret/delete/harmony/config/Old", {
        versions: [1],
      }),
      204,
    );
    const listed = await s.keys();
    assert.deepEqual(listed, ["Live", "Old"]);
    for (const key of ["Live", "Soft", "Burnt", "Old"]) {
      assert.equal(
        listed.includes(key),
        await s.get(key) !== undefined,
        `${key}: keys() and get() agree`,
      );
    }
    assert.equal(
      await call(bao, "POST", "secret/undelete/harmony/config/Soft", {
        versions: [1],
      }),
      204,
    );
    assert.deepEqual(await s.keys(), ["Live", "Old", "Soft"]);
  });

  it("keeps a key whose deletion time is still to come, and hides it once it has passed", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao({ now });
    bao.configureKvMount("secret", { deleteVersionAfterSeconds: 60 });
    const s = store(bao, { now });
    await s.set("Db", '{"host":"db"}');
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.deepEqual(await s.keys(), ["Db"]);
    clock += 61_000;
    assert.equal(await s.get("Db"), undefined);
    assert.deepEqual(await s.keys(), []);
  });

  it("falls back to reading a key when the token may list but not read metadata", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    bao.putKv("harmony/config/Gone", { host: "x" });
    assert.equal(
      await call(bao, "DELETE", "secret/data/harmony/config/Gone"),
      204,
    );
    bao.addPolicy("reader", [
      { path: "secret/data/harmony/config/*", capabilities: ["read"] },
      { path: "secret/metadata/harmony/config/", capabilities: ["list"] },
    ]);
    const token = bao.createToken({ policies: ["reader"] });
    assert.deepEqual(await store(bao, { auth: { token } }).keys(), ["Db"]);
  });
});

describe("OpenBaoStore: mount-wide settings", () => {
  it("writes when the mount's config requires check-and-set, and reports a lost race", async () => {
    await using bao = await startFakeOpenBao();
    bao.configureKvMount("secret", { casRequired: true });
    const s = store(bao);
    await s.set("Db", '{"v":1}');
    await s.set("Db", '{"v":2}');
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: 2 });
    bao.putKv("harmony/config/Db", { v: "theirs" });
    const error = await rejection(s.set("Db", '{"v":3}'));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(error.message, /check-and-set failed; it is now at version 3/);
  });
});
