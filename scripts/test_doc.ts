/**
 * Type-checks and runs the JSDoc examples of every module the entry points
 * in `deno.json` reach (`deno test --doc`), not only those of `mod.ts`:
 * `deno test --doc mod.ts` skips the examples in the modules it re-exports.
 *
 * Usage: `deno task test:doc`
 *
 * @module
 */
import process from "node:process";
import { exportMap, importGraph, readDenoJson, run } from "./_npm.ts";

if (import.meta.main) {
  const config = await readDenoJson();
  const graph = await importGraph(Object.values(exportMap(config)));
  const files = graph.map((module) => module.path);
  console.log(`test:doc: JSDoc examples of ${files.length} modules`);
  const result = await run(Deno.execPath(), [
    "test",
    "--allow-all",
    "--doc",
    ...Deno.args,
    ...files,
  ], { allowFailure: true });
  process.exit(result.code);
}
