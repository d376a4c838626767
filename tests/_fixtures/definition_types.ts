/**
 * `ConfigDefinition<T>` used as people write it: annotated with its output
 * type, and as the parameter of a generic function, which must infer the
 * output (defaults filled), not the input. Type-checked by `deno check`
 * (tests/types_test.ts runs it) and, with `../../mod.ts` read as
 * `@harmony/config`, by `tsc --strict` against the npm build
 * (scripts/smoke_npm.ts).
 *
 * @module
 */
import { z } from "zod";
import {
  type ConfigDefinition,
  ConfigManager,
  defineConfig,
  MemorySource,
} from "../../mod.ts";

/** The output type, written by hand. */
export interface Pg {
  host: string;
  port: number;
}

/** A definition whose port has a default, so its input type differs from Pg. */
export const Postgres = defineConfig({
  key: "Postgres",
  schema: z.object({ host: z.string(), port: z.number().int().default(5432) }),
});

/** Annotated with the output type alone. */
export const annotated: ConfigDefinition<Pg> = Postgres;

/** A definition in a list of any definitions. */
export const all: ConfigDefinition<unknown>[] = [Postgres, annotated];

/** Generic over any definition: resolves to its output type. */
export async function load<T>(
  manager: ConfigManager,
  def: ConfigDefinition<T>,
): Promise<T> {
  return await manager.get(def);
}

/** Reads the port through both, typed as the output. */
export async function ports(): Promise<[number, number]> {
  await using manager = new ConfigManager([
    new MemorySource({ Postgres: { host: "db" } }),
  ]);
  const inferred = await load(manager, Postgres);
  const port: number = inferred.port; // not `number | undefined`
  const viaAnnotation: Pg = await load(manager, annotated);
  // @ts-expect-error: the output's port is a number, not a string
  const wrong: string = inferred.port;
  void wrong;
  return [port, viaAnnotation.port];
}
