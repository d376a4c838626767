/**
 * The package version, kept equal to `deno.json`'s by a test, so the CLI
 * needs no JSON import that the npm build would have to carry.
 *
 * @module
 */

/**
 * The version `harmony-config --version` prints.
 *
 * @example
 * ```ts
 * import { VERSION } from "@harmony/config/cli";
 * import assert from "node:assert/strict";
 *
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION = "0.1.0";
