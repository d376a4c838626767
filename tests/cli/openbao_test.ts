/**
 * OpenBao in `harmony-config`'s chain (cli/openbao.ts): found through the
 * `bao` CLI's own variables, `BAO_ADDR` and `BAO_NAMESPACE`, with the flags
 * `doctor` prints, and a `list` that agrees with `get`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BROAD_FLAGS, runCli } from "../_helpers/cli.ts";
import { isDeno } from "../_helpers/subprocess.ts";
import type { RunResult } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";
import { startFakeOpenBao } from "../_helpers/openbao_server.ts";

const BROAD = [...BROAD_FLAGS, "--allow-net"];

function assertOk(result: RunResult, what: string): void {
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
}

describe("harmony-config with OpenBao", () => {
  it("finds OpenBao through BAO_ADDR and BAO_NAMESPACE, and runs with exactly the flags doctor prints", async () => {
    await using data = await tempDir();
    await using bao = await startFakeOpenBao();
    bao.enableKv("secret", { namespace: "team-a/" });
    bao.putKv("harmony/config/Db", { host: "team-a" }, {
      namespace: "team-a/",
    });
    bao.putKv("harmony/config/Db", { host: "root-namespace" });
    const env = {
      HARMONY_DATA_DIR: data.path,
      BAO_ADDR: bao.address,
      BAO_NAMESPACE: "team-a",
      BAO_TOKEN: bao.rootToken,
    };
    const doctor = await runCli(BROAD, ["doctor", "--json"], { env });
    assertOk(doctor, "doctor");
    const flags: string[] = JSON.parse(doctor.stdout).flags;
    const checks: { subject: string; message: string }[] =
      JSON.parse(doctor.stdout).checks;
    // The CLI reads each key once per run: its store keeps no cache, and
    // doctor says so.
    assert.match(
      checks.find((check) => check.subject.startsWith("openbao:"))?.message ??
        "",
      /^reachable, 1 key; no in-memory cache: each read asks it$/,
    );
    const host = new URL(bao.address).host;
    assert.deepEqual(flags, [
      // The CLI skips an address variable it may not read, so only the one
      // it found is needed; BAO_NAMESPACE is set, so VAULT_NAMESPACE is
      // not read.
      "--allow-env=HARMONY_CONFIG_*,HARMONY_DATA_DIR,BAO_ADDR,BAO_NAMESPACE,BAO_TOKEN",
      `--allow-read=${join(data.path, "config")}`,
      `--allow-write=${join(data.path, "config")}`,
      `--allow-net=${host}`,
    ]);
    const get = await runCli(flags, ["get", "Db", "--reveal"], { env });
    assertOk(get, "get with doctor's flags");
    assert.deepEqual(JSON.parse(get.stdout), { host: "team-a" });
  });

  it(
    "refuses to read the root namespace by mistake when BAO_NAMESPACE is set but not granted",
    {
      skip: isDeno ? false : "needs Deno's permission model",
    },
    async () => {
      await using data = await tempDir();
      await using bao = await startFakeOpenBao();
      bao.putKv("harmony/config/Db", { host: "root-namespace" });
      const env = {
        HARMONY_DATA_DIR: data.path,
        OPENBAO_URL: bao.address,
        BAO_NAMESPACE: "team-a",
        BAO_TOKEN: bao.rootToken,
      };
      const result = await runCli(
        [
          "--allow-env=HARMONY_CONFIG_*,HARMONY_DATA_DIR,OPENBAO_URL,BAO_TOKEN",
          `--allow-read=${join(data.path, "config")}`,
          `--allow-write=${join(data.path, "config")}`,
          `--allow-net=${new URL(bao.address).host}`,
        ],
        ["get", "Db", "--reveal"],
        { env },
      );
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /--allow-env=BAO_NAMESPACE/);
      assert.ok(!result.stdout.includes("root-namespace"));
    },
  );

  it("lists only the keys get finds: a soft-deleted key is hidden, as get reads it absent", async () => {
    await using data = await tempDir();
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Live", { host: "a" });
    bao.putKv("harmony/config/Deleted", { host: "b" });
    const deleted = await fetch(
      `${bao.address}/v1/secret/data/harmony/config/Deleted`,
      {
        method: "DELETE",
        headers: { "X-Vault-Token": bao.rootToken, "X-Vault-Request": "true" },
      },
    );
    await deleted.body?.cancel();
    const env = {
      HARMONY_DATA_DIR: data.path,
      OPENBAO_URL: bao.address,
      BAO_TOKEN: bao.rootToken,
    };
    const list = await runCli(BROAD, ["list", "--json"], { env });
    assertOk(list, "list");
    const sources: { source: string; keys: { key: string }[] }[] =
      JSON.parse(list.stdout).sources;
    const openbao = sources.find((s) => s.source.startsWith("openbao:"));
    assert.deepEqual(openbao?.keys.map((k) => k.key), ["Live"]);
    const [live, gone] = await Promise.all([
      runCli(BROAD, ["get", "Live", "--reveal"], { env }),
      runCli(BROAD, ["get", "Deleted", "--reveal"], { env }),
    ]);
    assertOk(live, "get Live");
    assert.equal(gone.code, 3, "get Deleted: not found");
  });
});
