/**
 * examples/watch.ts, as `deno task demo:watch` runs it (its exact flags),
 * changed from another process with `harmony-config set` and `unset`, and
 * stopped with Ctrl-C (SIGINT).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ROOT, runCli, scopedFlags } from "./_helpers/cli.ts";
import {
  baseEnv,
  denoExecutable,
  isDeno,
  start,
} from "./_helpers/subprocess.ts";
import { tempDir } from "./_helpers/temp.ts";

const EXAMPLE = fileURLToPath(
  new URL(`../examples/watch.${isDeno ? "ts" : "js"}`, import.meta.url),
);

describe("examples/watch.ts", () => {
  test("prints the value, then each change another process makes, and stops cleanly on Ctrl-C", async () => {
    await using data = await tempDir();
    const canary = "canary-demo-3e1f-never-print";
    const command = isDeno
      ? [denoExecutable(), [
        "run",
        "--quiet",
        // deno.json's demo:watch, with the data dir it computes.
        "--allow-env=HARMONY_*,XDG_DATA_HOME,HOME",
        `--allow-read=${data.path}`,
        `--allow-write=${data.path}`,
        EXAMPLE,
      ]] as const
      : [process.execPath, [
        "--disable-warning=ExperimentalWarning",
        EXAMPLE,
      ]] as const;
    await using demo = start(command[0], command[1], {
      env: baseEnv({ HARMONY_DATA_DIR: data.path }),
      cwd: ROOT,
    });
    assert.match(await demo.nextLine("the banner"), /^Watching AppSettings/);
    assert.match(await demo.nextLine("the hint"), /^Change it from another/);
    assert.match(await demo.nextLine("the hint"), /deno task cli set/);
    assert.match(
      await demo.nextLine("the first value"),
      /AppSettings = \{"logLevel":"info","greeting":"hello"\} \(from the schema's defaults\)$/,
    );
    const set = async (...args: string[]): Promise<void> => {
      const result = await runCli(scopedFlags(data.path, ROOT), args, {
        env: { HARMONY_DATA_DIR: data.path },
      });
      assert.equal(result.code, 0, result.stderr);
    };
    await set("set", "AppSettings", '{"logLevel":"debug","greeting":"hi"}');
    assert.match(
      await demo.nextLine("the new value"),
      new RegExp(
        `AppSettings = \\{"logLevel":"debug","greeting":"hi"\\} \\(from sqlite:${
          join(data.path, "config", "config.db")
        }\\)$`,
      ),
    );
    await set("set", "AppSettings", `{"logLevel":"${canary}"}`);
    const invalid = await demo.nextLine("the invalid value");
    assert.match(
      invalid,
      /invalid: .*logLevel.*; still using \{"logLevel":"debug","greeting":"hi"\}$/,
    );
    assert.ok(!invalid.includes(canary), invalid);
    await set("unset", "AppSettings");
    assert.match(
      await demo.nextLine("the defaults again"),
      /\(from the schema's defaults\)$/,
    );
    demo.kill("SIGINT");
    assert.equal(await demo.nextLine("the goodbye"), "Stopped.");
    const { code, stderr } = await demo.exited;
    assert.equal(code, 0, stderr);
  });
});
