/**
 * What the reliability tests need root for: a small tmpfs to fill (a full
 * disk), a read-only bind mount (a read-only volume), and a child process
 * that runs as another user (`setpriv`, to `nobody`), for whom directory
 * modes apply. Each probe says why it cannot, so a test can skip with the
 * reason.
 *
 * @module
 */
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { run } from "./subprocess.ts";
import { tempDir } from "./temp.ts";

/** The user and group a child runs as: `nobody` on Debian and most Linux. */
export const OTHER_UID = 65534;
export const OTHER_GID = 65534;

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** A mounted file system, unmounted and removed at the end of an `await using` block. */
export interface Mount extends AsyncDisposable {
  /** The mount point. */
  readonly path: string;
}

/**
 * Mounts a tmpfs of `sizeKiB` KiB, or returns why it cannot (not root, no
 * `mount`, or a container that refuses it).
 */
export async function mountTmpfs(sizeKiB: number): Promise<Mount | string> {
  if (!isRoot) return "needs root to mount a tmpfs";
  const dir = await tempDir();
  const path = join(dir.path, "disk");
  await mkdir(path);
  const mounted = await run("mount", [
    "-t",
    "tmpfs",
    "-o",
    `size=${sizeKiB}k,mode=0700`,
    "tmpfs",
    path,
  ]).catch((error: Error) => ({ code: 1, stderr: error.message }));
  if (mounted.code !== 0) {
    await dir[Symbol.asyncDispose]();
    return `cannot mount a tmpfs here: ${mounted.stderr.trim()}`;
  }
  return {
    path,
    async [Symbol.asyncDispose](): Promise<void> {
      await run("umount", ["-l", path]);
      await dir[Symbol.asyncDispose]();
    },
  };
}

/**
 * Bind-mounts `source` read-only at a new path, or returns why it cannot.
 * Even root cannot write there (EROFS), as on a read-only volume.
 */
export async function mountReadOnly(source: string): Promise<Mount | string> {
  if (!isRoot) return "needs root to bind-mount a directory read-only";
  const dir = await tempDir();
  const path = join(dir.path, "ro");
  await mkdir(path);
  const bound = await run("mount", ["--bind", source, path]).catch((
    error: Error,
  ) => ({ code: 1, stderr: error.message }));
  const readOnly = bound.code === 0
    ? await run("mount", ["-o", "remount,bind,ro", path])
    : bound;
  if (readOnly.code !== 0) {
    if (bound.code === 0) await run("umount", ["-l", path]);
    await dir[Symbol.asyncDispose]();
    return `cannot bind-mount read-only here: ${readOnly.stderr.trim()}`;
  }
  return {
    path,
    async [Symbol.asyncDispose](): Promise<void> {
      await run("umount", ["-l", path]);
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** A probe run once per test file: a string is the reason to skip, `false` means it can. */
export async function canMountTmpfs(): Promise<false | string> {
  const mount = await mountTmpfs(64);
  if (typeof mount === "string") return mount;
  await mount[Symbol.asyncDispose]();
  return false;
}

/** Like {@linkcode canMountTmpfs}, for a read-only bind mount. */
export async function canMountReadOnly(): Promise<false | string> {
  await using dir = await tempDir();
  const mount = await mountReadOnly(dir.path);
  if (typeof mount === "string") return mount;
  await mount[Symbol.asyncDispose]();
  return false;
}

/**
 * The command prefix that runs a child as {@linkcode OTHER_UID}, or why
 * there is none: the tests run as root, which ignores file modes, so a
 * read-only directory needs another user to mean anything.
 */
export async function asOtherUser(): Promise<readonly string[] | string> {
  if (!isRoot) {
    return "needs root to start a child as another user (setpriv)";
  }
  const prefix = [
    "setpriv",
    `--reuid=${OTHER_UID}`,
    `--regid=${OTHER_GID}`,
    "--clear-groups",
  ];
  const probe = await run(prefix[0]!, [...prefix.slice(1), "true"]).catch((
    error: Error,
  ) => ({ code: 1, stderr: error.message }));
  return probe.code === 0
    ? prefix
    : `cannot run a child as another user with setpriv: ${probe.stderr.trim()}`;
}

/** Makes `path` reachable by another user (mode 0755), as the parents of a shared data dir are. */
export async function openToOthers(path: string): Promise<void> {
  await chmod(path, 0o755);
}
