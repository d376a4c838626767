/**
 * The definition the round-trip tests load with the CLI's `--schema`: one
 * with a transform, which must run once per read, not once per write.
 *
 * @module
 */
import { z } from "zod";
import { defineConfig } from "../../mod.ts";

/** Seconds in, milliseconds out. */
export const Timeout = defineConfig({
  key: "Timeout",
  schema: z.object({ sec: z.number().transform((n) => n * 1000) }),
});
