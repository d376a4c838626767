/**
 * Runs a child Deno process with explicit permission flags, on Deno and on
 * Node alike, and collects its output.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

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
  /**
   * Variables whose values are bash ANSI-C string bodies (`\xff` is the
   * byte 0xFF), added to `env`: the only way to hand a child bytes that are
   * not UTF-8, which `env` itself, a record of strings, cannot hold.
   */
  rawEnv?: Record<string, string>;
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

/**
 * Runs `command args` to completion.
 *
 * Under Deno it uses `Deno.Command` with a cleared environment: Deno's
 * `node:child_process` merges `env` into the parent's environment instead of
 * replacing it, and lets a child `deno run` inherit permissions it was not
 * given, which would make permission tests pass for the wrong reason.
 */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const { rawEnv, ...rest } = options;
  if (rawEnv !== undefined) {
    const assignments = Object.entries(rawEnv).map(([name, body]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new Error(`not a variable name: ${name}`);
      }
      return `${name}=$'${body.replaceAll("'", "\\'")}'`;
    });
    return run("bash", [
      "-c",
      `exec env ${assignments.join(" ")} "$@"`,
      "bash",
      command,
      ...args,
    ], rest);
  }
  return isDeno
    ? runWithDeno(command, args, options)
    : runWithNode(command, args, options);
}

interface DenoCommandApi {
  Command: new (
    command: string,
    options: {
      args: string[];
      env: Record<string, string>;
      clearEnv: boolean;
      cwd?: string;
      stdin: "piped";
      stdout: "piped";
      stderr: "piped";
    },
  ) => {
    spawn(): {
      stdin: WritableStream<Uint8Array>;
      output(): Promise<
        {
          code: number;
          signal: string | null;
          stdout: Uint8Array;
          stderr: Uint8Array;
        }
      >;
      kill(signal: string): void;
    };
  };
}

async function runWithDeno(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const deno = (globalThis as unknown as { Deno: DenoCommandApi }).Deno;
  const child = new deno.Command(command, {
    args: [...args],
    env: options.env ?? baseEnv(),
    clearEnv: true,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }, options.timeoutMs ?? 60_000);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin ?? "")).catch(
      () => {},
    );
    await writer.close().catch(() => {});
    const out = await child.output();
    const decoder = new TextDecoder();
    return {
      code: out.signal ? null : out.code,
      signal: (out.signal ?? null) as NodeJS.Signals | null,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

function runWithNode(
  command: string,
  args: readonly string[],
  options: RunOptions,
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

/** Options for {@linkcode runFixture}. */
export interface FixtureOptions extends RunOptions {
  /** Flags for `deno run` under Deno (permissions). */
  denoFlags?: readonly string[];
  /** Flags for `node` under Node (for example `--import <hooks>`). */
  nodeFlags?: readonly string[];
}

/**
 * Runs a child script from tests/_fixtures in a child of the runtime the
 * tests run on: `deno run <denoFlags> fixture.ts <args>` under Deno, and
 * `node <nodeFlags> fixture.js <args>` under Node, where the suite runs compiled
 * against the npm build (the fixture is compiled beside the test). Fixtures
 * read their arguments from `process.argv.slice(2)`.
 */
export function runFixture(
  fixture: URL,
  args: readonly string[] = [],
  options: FixtureOptions = {},
): Promise<RunResult> {
  const { denoFlags = [], nodeFlags = [], ...rest } = options;
  const path = fileURLToPath(fixture);
  if (isDeno) {
    return runDeno(["run", "--quiet", ...denoFlags, path, ...args], rest);
  }
  return run(process.execPath, [
    "--disable-warning=ExperimentalWarning",
    ...nodeFlags,
    path.replace(/\.ts$/, ".js"),
    ...args,
  ], rest);
}

/**
 * Starts a child script from tests/_fixtures as {@linkcode runFixture}
 * does, but returns the running process, for tests that read its output
 * as it comes and stop it themselves (with SIGKILL, say). Permission
 * tests must use {@linkcode runFixture}: through `node:child_process`,
 * Deno merges the environment and may pass permissions on.
 */
export function spawnFixture(
  fixture: URL,
  args: readonly string[] = [],
  options: Pick<FixtureOptions, "denoFlags" | "env"> = {},
): import("node:child_process").ChildProcessWithoutNullStreams {
  const path = fileURLToPath(fixture);
  const env = options.env ?? baseEnv();
  return isDeno
    ? spawn(
      denoExecutable(),
      ["run", "--quiet", ...(options.denoFlags ?? []), path, ...args],
      { env },
    )
    : spawn(process.execPath, [
      "--disable-warning=ExperimentalWarning",
      path.replace(/\.ts$/, ".js"),
      ...args,
    ], { env });
}
