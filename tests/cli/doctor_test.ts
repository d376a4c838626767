/**
 * `harmony-config doctor` through the real CLI: under Deno it ends with the
 * minimal `deno run` flags; on Node, which has no such flags, it does not
 * print them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROOT, runCli, scopedFlags } from "../_helpers/cli.ts";
import { isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

describe("harmony-config doctor", () => {
  it("prints deno run flags under Deno only", async () => {
    await using data = await tempDir();
    const result = await runCli(scopedFlags(data.path, ROOT), ["doctor"], {
      env: { HARMONY_DATA_DIR: data.path },
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^ok {3}sqlite:/m);
    if (isDeno) {
      assert.match(
        result.stdout,
        /Minimal deno run flags for this chain:\n {2}--allow-env=HARMONY_CONFIG_\*,HARMONY_DATA_DIR /,
      );
    } else {
      assert.doesNotMatch(result.stdout, /deno run|--allow-/);
    }
  });
});
