/**
 * A source of the CLI's chain before it is opened: what `doctor` reports on
 * and what the chain opens.
 *
 * @module
 */
import type { ConfigSource, PermissionDescriptor } from "../source.ts";

/** The kinds of source the CLI builds. */
export type SourceKind = "env" | "file" | "openbao" | "sqlite" | "prompt";

/** A source of the chain, before it is opened. */
export interface SourcePlan {
  /** What kind of source it is. */
  readonly kind: SourceKind;
  /** The name the opened source will have, such as `sqlite:/abs/config.db`. */
  readonly name: string;
  /** The Deno permissions the source needs. */
  readonly permissions: readonly PermissionDescriptor[];
  /** Where `key` lives in the source, without opening it (for `docs`). */
  locate(key: string): string;
  /** Opens the source. */
  open(): Promise<ConfigSource>;
}
