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

/** The part of `Deno.Command` these helpers use, typed here so Node's compiler needs no Deno types. */
interface DenoCommandApi {
  Command: new (
    command: string,
    options: {
      args: string[];
      env: Record<string, string>;
      clearEnv: boolean;
      cwd?: string;
      stdin: "piped" | "null";
      stdout: "piped";
      stderr: "piped";
    },
  ) => { spawn(): DenoChild };
}

/** A child spawned through {@linkcode DenoCommandApi}. */
interface DenoChild {
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
  output(): Promise<{
    code: number;
    signal: string | null;
    stdout: Uint8Array;
    stderr: Uint8Array;
  }>;
  kill(signal: string): void;
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
    // A child that exits without reading its stdin (the sqlite3 shell given
    // its SQL as an argument) makes this write fail with EPIPE: not an
    // error of the run, as the Deno path already treats it.
    child.stdin.on("error", () => {});
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

/** A child process that is still running, read line by line. */
export interface RunningProcess extends AsyncDisposable {
  /** The next line of stdout; fails after `ms`, or when stdout ends first. */
  nextLine(what: string, ms?: number): Promise<string>;
  /** Sends `signal` to the child. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when it exits, with its exit code and stderr. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/**
 * Starts `command args` with exactly the environment `env` and reads its
 * stdout as lines while it runs: under Deno through `Deno.Command`, for the
 * reasons {@linkcode run} gives. A child still running at the end of an
 * `await using` block is killed.
 */
export function start(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string },
): RunningProcess {
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  let buffered = "";
  let stderr = "";
  const onText = (text: string): void => {
    buffered += text;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  };
  const onEnd = (): void => {
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  };
  let kill: (signal: NodeJS.Signals) => void;
  let exited: Promise<{ code: number | null; stderr: string }>;
  let running = true;
  if (isDeno) {
    const deno = (globalThis as unknown as { Deno: DenoCommandApi }).Deno;
    const child = new deno.Command(command, {
      args: [...args],
      env: options.env,
      clearEnv: true,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = async (
      stream: ReadableStream<Uint8Array>,
      onChunk: (text: string) => void,
    ): Promise<void> => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        onChunk(decoder.decode(chunk, { stream: true }));
      }
    };
    const out = pump(child.stdout, onText).finally(onEnd);
    const err = pump(child.stderr, (text) => (stderr += text));
    kill = (signal) => child.kill(signal);
    exited = Promise.all([child.status, out, err]).then(([status]) => {
      running = false;
      return { code: status.signal ? null : status.code, stderr };
    });
  } else {
    const child = spawn(command, [...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.setEncoding("utf8").on("data", onText).on("end", onEnd);
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    kill = (signal) => child.kill(signal);
    exited = new Promise((resolve) =>
      child.on("close", (code) => {
        running = false;
        resolve({ code, stderr });
      })
    );
  }
  return {
    async nextLine(what, ms = 20_000): Promise<string> {
      const deadline = Date.now() + ms;
      while (lines.length === 0) {
        if (ended) throw new Error(`stdout ended before ${what}: ${stderr}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no line within ${ms} ms: ${what}`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((wake) => {
          waiters.push(wake);
          timer = setTimeout(wake, left);
        });
        clearTimeout(timer);
      }
      return lines.shift()!;
    },
    kill: (signal) => kill(signal),
    exited,
    async [Symbol.asyncDispose](): Promise<void> {
      if (running) kill("SIGKILL");
      await exited;
    },
  };
}
