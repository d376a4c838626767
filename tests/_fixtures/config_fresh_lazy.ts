/**
 * Defines and reads a recursive schema whose z.lazy() builds a new schema
 * at every level, so no walk over it meets a node twice. Prints what
 * happened: `read <json>`, or `refused <error class>: <message>`; then one
 * line for each other walk of such schemas (validate, redact, the prompt's
 * fields and skeleton), each of which must end.
 *
 * @module
 */
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  defineConfig,
  MemorySource,
  redact,
  secret,
  validate,
} from "../../mod.ts";
import { describeFields } from "../../_internal/prompt/fields.ts";
import { skeleton } from "../../_internal/prompt/skeleton.ts";

/** A tree node; its children's schema is made afresh on every call. */
function node(): z.ZodType {
  return z.object({ name: z.string(), child: z.lazy(node).optional() });
}

/** A union of a literal and, afresh on every call, another such union. */
function choices(): z.ZodType {
  return z.union([z.literal("a"), z.lazy(choices)]);
}

/** Arrays of arrays, afresh at every level. */
function nested(): z.ZodType {
  return z.array(z.lazy(nested));
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

try {
  secret(node());
  console.log("secret() accepted it");
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.log(`secret() refused ${error.name}`);
}

const invalid = await validate(node(), { name: "a", child: { name: 1 } });
console.log(`validate ${JSON.stringify(invalid)}`);
console.log(
  `redact ${
    JSON.stringify(redact(node(), { name: "a", child: { name: "b" } }))
  }`,
);
for (
  const [name, schema] of [["tree", node()], ["choices", choices()], [
    "arrays",
    nested(),
  ]] as const
) {
  const plan = describeFields(schema, "Key");
  console.log(
    `fields ${name} ${
      plan.fields.map((f) => `${f.label}:${f.kind}`).join(",")
    }`,
  );
  console.log(`skeleton ${name} ${skeleton(schema)}`);
}
