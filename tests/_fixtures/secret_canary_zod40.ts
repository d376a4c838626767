/**
 * A schema module built with zod 4.0, below the supported range, for the
 * secret canary matrix: the CLI loading it with `--schema` must say why it
 * refuses it, naming the versions.
 *
 * @module
 */
import { z } from "zod40";
import { type ConfigDefinition, defineConfig } from "../../mod.ts";

/** Never made: defineConfig refuses the schema as the module loads. */
export const Db: ConfigDefinition<unknown> = defineConfig({
  key: "Db",
  schema: z.object({
    host: z.string(),
    password: z.string().meta({ secret: true }),
  }) as unknown as ConfigDefinition<unknown>["schema"],
});
