/**
 * Remembering an outage, so a chain that reads many keys pays the timeout once.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SourceUnavailableError } from "../../../errors.ts";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
import { store } from "../../_helpers/openbao_store.ts";
import { rejection } from "../../_helpers/rejection.ts";

describe("OpenBaoStore: remembering an outage", () => {
  it("fails at once for a while after a timeout, then tries the server again", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao({ now });
    bao.putKv("harmony/config/Db", { host: "db" });
    const removeHang = bao.addFault({ hang: true });
    const s = store(bao, { timeoutMs: 100, now, kvVersion: 2 });
    const first = await rejection(s.get("Db"));
    assert.ok(first instanceof SourceUnavailableError);
    assert.equal(first.reason, "timed out after 100 ms");
    const second = await rejection(s.get("Db"));
    assert.ok(second instanceof SourceUnavailableError);
    assert.equal(
      second.reason,
      "timed out after 100 ms (remembered: not retried for 5 s)",
    );
    assert.equal(bao.requests.length, 1, "the second call sent nothing");
    removeHang();
    clock += 5_000;
    assert.equal(await s.get("Db"), '{"host":"db"}');
  });

  it("retries every call with unavailableRetryMs: 0", async () => {
    await using bao = await startFakeOpenBao();
    bao.seal();
    const s = store(bao, { unavailableRetryMs: 0, kvVersion: 2 });
    await rejection(s.get("Db"));
    bao.unseal();
    bao.putKv("harmony/config/Db", { host: "db" });
    assert.equal(await s.get("Db"), '{"host":"db"}');
  });
});
