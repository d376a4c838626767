/**
 * The store as a whole: its request count, the example, and runs in child
 * processes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
import { addConfigPolicy, store } from "../../_helpers/openbao_store.ts";
import { tempDir } from "../../_helpers/temp.ts";
import { baseEnv, isDeno, runFixture } from "../../_helpers/subprocess.ts";

describe("OpenBaoStore: cost", () => {
  it("sends one HTTP request per warm get(), three on the first (lookup-self, mount type, read)", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    const s = store(bao);
    await s.get("Db");
    assert.deepEqual(bao.requests.map((r) => r.path), [
      "auth/token/lookup-self",
      "sys/internal/ui/mounts/secret",
      "secret/data/harmony/config/Db",
    ]);
    const before = bao.requests.length;
    await s.get("Db");
    assert.equal(bao.requests.length - before, 1);
  });
});

describe("examples/openbao.ts", () => {
  it(
    "stores in OpenBao, reads it back in a second run, and reports OpenBao as unavailable once it is gone",
    async () => {
      await using dir = await tempDir();
      // `deno run` under Deno; under Node, the example compiled beside the
      // tests, importing the packed build.
      const example = new URL("../../../examples/openbao.ts", import.meta.url);
      const bao = await startFakeOpenBao();
      const run = (address: string): ReturnType<typeof runFixture> =>
        runFixture(example, [], {
          denoFlags: [
            "--allow-env",
            "--allow-net=127.0.0.1",
            `--allow-read=${dir.path}`,
            `--allow-write=${dir.path}`,
          ],
          env: baseEnv({
            OPENBAO_URL: address,
            BAO_TOKEN: bao.rootToken,
            HARMONY_DATA_DIR: dir.path,
          }),
        });
      try {
        const first = await run(bao.address);
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /stored a new value in OpenBao/);
        assert.equal(
          bao.readKv("harmony/config/PostgresConfig")?.host,
          "db.internal",
        );
        const second = await run(bao.address);
        assert.match(
          second.stdout,
          /PostgresConfig host=db\.internal port=5432/,
        );
        assert.match(
          second.stdout,
          new RegExp(`answered by: openbao:${bao.address}`),
        );
        assert.ok(
          !second.stdout.includes(
            String(bao.readKv("harmony/config/PostgresConfig")?.password),
          ),
        );
      } finally {
        await bao.close();
      }
      const down = await run(bao.address);
      assert.equal(down.code, 1);
      assert.match(
        down.stdout,
        /unavailable +openbao:http:\/\/127\.0\.0\.1:\d+: connection refused/,
      );
    },
  );
});

describe("OpenBaoStore in child processes", () => {
  const fixture = new URL("../../_fixtures/openbao_get.ts", import.meta.url);

  it("reuses a login cached by a previous run", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    bao.putKv("harmony/config/Db", { host: "db" });
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: [addConfigPolicy(bao)],
    });
    const options = {
      env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
      denoFlags: [
        "--allow-net=127.0.0.1",
        "--allow-env",
        `--allow-read=${dir.path}`,
        `--allow-write=${dir.path}`,
      ],
    };
    for (let run = 0; run < 2; run++) {
      const result = await runFixture(fixture, [
        bao.address,
        "Db",
        roleId,
        secretId,
      ], options);
      assert.equal(result.stdout.trim(), '{"host":"db"}', result.stderr);
    }
    assert.equal(
      bao.requests.filter((r) => r.path === "auth/approle/login").length,
      1,
    );
  });

  it(
    "answers, and logs in again next run, when Deno denies writing the session cache",
    {
      skip: isDeno ? false : "needs Deno's permission model",
    },
    async () => {
      await using bao = await startFakeOpenBao();
      await using dir = await tempDir();
      bao.putKv("harmony/config/Db", { host: "db" });
      const { roleId, secretId } = bao.configureAppRole({
        role: "app",
        policies: [addConfigPolicy(bao)],
      });
      for (let run = 0; run < 2; run++) {
        const result = await runFixture(fixture, [
          bao.address,
          "Db",
          roleId,
          secretId,
        ], {
          env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
          denoFlags: [
            "--allow-net=127.0.0.1",
            "--allow-env",
            `--allow-read=${dir.path}`,
          ],
        });
        assert.equal(result.stdout.trim(), '{"host":"db"}', result.stderr);
        assert.equal(result.code, 0);
      }
      assert.equal(
        bao.requests.filter((r) => r.path === "auth/approle/login").length,
        2,
      );
    },
  );

  it("names --allow-net=<host:port> when Deno denies the network", {
    skip: isDeno ? false : "needs Deno's permission model",
  }, async () => {
    await using bao = await startFakeOpenBao();
    const host = new URL(bao.address).host;
    const result = await runFixture(fixture, [bao.address, "Db"], {
      env: baseEnv({ BAO_TOKEN: bao.rootToken }),
      denoFlags: ["--allow-env"],
    });
    assert.equal(result.code, 2);
    assert.match(
      result.stdout,
      new RegExp(
        `ConfigPermissionError: .*add --allow-net=${host.replace(".", "\\.")}`,
      ),
    );
    assert.ok(!result.stdout.includes(bao.rootToken + " "));
    assert.equal(bao.requests.length, 0);
  });
});
