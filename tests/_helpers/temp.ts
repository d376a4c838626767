/**
 * Temporary directories that remove themselves.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary directory, removed at the end of an `await using` block. */
export interface TempDir extends AsyncDisposable {
  /** The absolute path. */
  readonly path: string;
}

/** Creates a fresh temporary directory. */
export async function tempDir(prefix = "harmony-config-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    async [Symbol.asyncDispose](): Promise<void> {
      await rm(path, { recursive: true, force: true });
    },
  };
}
