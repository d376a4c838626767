/**
 * Defines and reads a recursive schema whose z.lazy() builds a new schema
 * at every level, so no walk over it meets a node twice. Prints what
 * happened: `read <json>`, or `refused <error class>: <message>`.
 *
 * @module
 */
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  defineConfig,
  MemorySource,
} from "../../mod.ts";

/** A tree node; its children's schema is made afresh on every call. */
function node(): z.ZodType {
  return z.object({ name: z.string(), child: z.lazy(node).optional() });
}

try {
  const Tree = defineConfig({ key: "Tree", schema: node() });
  const manager = new ConfigManager([
    new MemorySource({ Tree: { name: "a", child: { name: "b" } } }),
  ]);
  console.log(`read ${JSON.stringify(await manager.get(Tree))}`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.log(`refused ${error.name}: ${error.message}`);
}
