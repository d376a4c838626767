/**
 * Private: turning a runtime's permission denial into a
 * `ConfigPermissionError` that names the flag to add.
 *
 * @module
 */
import { ConfigPermissionError } from "../errors.ts";
import type { PermissionDescriptor } from "../source.ts";
import { isPermissionDenied } from "./runtime.ts";

/** The `deno run` flag that grants one permission, such as `--allow-write=/data`. */
export function permissionFlag(descriptor: PermissionDescriptor): string {
  switch (descriptor.name) {
    case "env":
      return `--allow-env=${descriptor.variable}`;
    case "read":
      return `--allow-read=${descriptor.path}`;
    case "write":
      return `--allow-write=${descriptor.path}`;
    case "net":
      return `--allow-net=${descriptor.host}`;
  }
}

/**
 * Returns the {@linkcode ConfigPermissionError} for a denial, or `error`
 * unchanged when it is not one.
 */
export function permissionErrorOr(
  error: unknown,
  source: string,
  need: string,
  descriptor: PermissionDescriptor,
  key?: string,
): unknown {
  if (!isPermissionDenied(error)) return error;
  // The denial's own message names the resource, never a value, but it is
  // not kept as the cause: the error we raise already says everything.
  return new ConfigPermissionError(
    source,
    need,
    permissionFlag(descriptor),
    { key },
  );
}
