/**
 * Private file helpers: owner-only directories and atomic, durable writes.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Mode of every directory the library creates. */
export const DIR_MODE = 0o700;
/** Mode of every file the library creates. */
export const FILE_MODE = 0o600;

/** Creates `dir` and its missing parents with mode 0700. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Writes `text` to `path` atomically: a temp file in the same directory,
 * mode 0600, flushed to disk, then renamed over `path`. A reader sees the
 * old content or the new, never a torn file, even if the process is killed.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
  const handle = await open(temp, "wx", FILE_MODE);
  try {
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

/** Flushes a directory entry so a rename survives power loss; best effort. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename
    // is still atomic there, only its durability across power loss is lost.
  } finally {
    await handle?.close();
  }
}
