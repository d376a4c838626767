/**
 * Runs a child Deno process with explicit permission flags, on Deno and on
 * Node alike, and collects its output.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** True when the tests run under Deno. */
export const isDeno: boolean = "Deno" in globalThis;

/** The Deno executable: this one under Deno, else `deno` from PATH (or `$DENO`). */
export function denoExecutable(): string {
  if (isDeno) {
    return (globalThis as unknown as { Deno: { execPath(): string } }).Deno
      .execPath();
  }
  return process.env.DENO ?? "deno";
}

/** What a finished child process produced. */
export interface RunResult {
  /** The exit code, or `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Everything written to stdout. */
  readonly stdout: string;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** The child's whole environment; defaults to a minimal one (PATH, HOME, NO_COLOR). */
  env?: Record<string, string>;
  /** Text written to the child's stdin, which is then closed. */
  stdin?: string;
  /** The working directory. */
  cwd?: string;
  /** Kill the child after this many ms (a safety net, not synchronisation). Default 60000. */
  timeoutMs?: number;
}

/** A minimal environment for a child: no inherited HARMONY_* variables. */
export function baseEnv(
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    NO_COLOR: "1",
    ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
    ...extra,
  };
}

/** Runs `command args` to completion. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? baseEnv(),
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(
      () => child.kill("SIGKILL"),
      options.timeoutMs ?? 60_000,
    );
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** Runs `deno <args>` (for example `["run", "--allow-env=X", "script.ts"]`). */
export function runDeno(
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return run(denoExecutable(), args, options);
}
