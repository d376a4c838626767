/**
 * What a server, or a proxy in front of it, answers is shown safely: a
 * write's value that a proxy echoes back is masked like a credential (the
 * value is configuration, which may be a secret), and control characters
 * in server text never reach an error, where the CLI would draw them on
 * the terminal as escape sequences.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  defineConfig,
  secret,
} from "../../../mod.ts";
import { StoreSource } from "../../../sources/store.ts";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
import { everyChannel, leaks, store } from "../../_helpers/openbao_store.ts";
import { rejection } from "../../_helpers/rejection.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string(), password: secret(z.string()) }),
});

/** C0 and C1 control characters, DEL included. */
function controls(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
}

describe("server text", () => {
  it("a proxy that echoes a write's body shows none of the value it carried, on KV v2 and v1", async () => {
    for (const kvVersion of [2, 1] as const) {
      await using bao = await startFakeOpenBao();
      const mount = kvVersion === 2 ? "secret" : "kv1";
      if (kvVersion === 1) bao.enableKv(mount, { version: 1 });
      const password = `canary-${randomUUID()}`;
      for (const status of [400, 409, 413, 422]) {
        bao.clearFaults();
        bao.addFault({
          method: "POST",
          path: kvVersion === 2
            ? "secret/data/harmony/config/Db"
            : "kv1/harmony/config/Db",
          status,
          body: ({ body }: { body: string }) => ({
            errors: [`request rejected by the gateway: ${body}`],
          }),
        });
        const manager = new ConfigManager([
          new StoreSource(store(bao, { kvVersion, mount })),
        ]);
        const error = await rejection(
          manager.set(Db, { host: "db.internal", password }),
        );
        await manager.close();
        assert.ok(error instanceof ConfigError, String(error));
        const channels = everyChannel(error);
        assert.deepEqual(
          leaks(channels, [password]),
          [],
          `KV v${kvVersion}, ${status}`,
        );
        assert.match(
          channels["error.message"]!,
          /request rejected by the gateway/,
          "the server's words are still shown",
        );
      }
    }
  });

  it("escape sequences in server text are not passed on to errors or explain()", async () => {
    await using bao = await startFakeOpenBao();
    bao.addFault({
      path: "secret/data/harmony/config/Db",
      status: 400,
      body: {
        errors: [
          "bad\u001b]0;owned\u0007 request\u001b[2J\u009b31m\u007f here",
        ],
      },
    });
    const manager = new ConfigManager([
      new StoreSource(store(bao, { kvVersion: 2 })),
    ]);
    const error = await rejection(manager.get(Db));
    const explanation = await manager.explain(Db);
    await manager.close();
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, /bad.*request.*here/);
    assert.deepEqual(controls(error.message), []);
    const reasons = explanation.steps.map((step) => step.reason ?? "");
    assert.ok(reasons.some((r) => r.includes("request")), String(reasons));
    assert.deepEqual(reasons.flatMap(controls), []);
  });
});
