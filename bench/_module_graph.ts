/**
 * Which npm packages a script loads before any dynamic `import()` runs,
 * from `deno info --json`, walked as the tests walk it.
 *
 * @module
 */
import {
  type ModuleGraph,
  staticReach,
} from "../tests/_helpers/module_graph.ts";

/** The npm packages (`name@version`) reached from `script` through static imports only. */
export async function staticNpmPackages(script: string): Promise<Set<string>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", script],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`deno info failed for ${script}`);
  const graph = JSON.parse(new TextDecoder().decode(output.stdout));
  return staticReach(graph as ModuleGraph).npmPackages;
}
