// Child process for tests/reliability/secret_canary_test.ts: the
// harmony-config CLI, run through its exported main() as the npm bin runs it.
//
// - `secret_canary_cli.ts ARGS...` runs once on the process's own streams
//   and environment, and exits with the CLI's code.
// - `secret_canary_cli.ts --batch` reads a JSON list of runs from stdin
//   ({ argv, env }), runs each in turn with the variables of `env` set in the
//   process environment for that run only, and prints a JSON list of what
//   each wrote ({ code, stdout, stderr }). One process serves hundreds of
//   runs, which keeps the matrix fast enough for CI.
import process from "node:process";
import { main, processIo } from "../../cli.ts";

interface Run {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

async function readStdin(): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of process.stdin) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
  }
  return text + decoder.decode();
}

async function batch(runs: readonly Run[]): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const run of runs) {
    let stdout = "";
    let stderr = "";
    for (const [name, value] of Object.entries(run.env)) {
      process.env[name] = value;
    }
    try {
      const code = await main(run.argv, {
        stdout: { write: (text) => Promise.resolve(void (stdout += text)) },
        stderr: { write: (text) => Promise.resolve(void (stderr += text)) },
        readStdin: () => Promise.resolve(""),
        stdoutIsTerminal: false,
        cwd: process.cwd(),
      });
      results.push({ code, stdout, stderr });
    } finally {
      for (const name of Object.keys(run.env)) delete process.env[name];
    }
  }
  return results;
}

const args = process.argv.slice(2);
if (args[0] === "--batch") {
  const runs = JSON.parse(await readStdin()) as Run[];
  process.stdout.write(JSON.stringify(await batch(runs)));
} else {
  process.exitCode = await main(args, processIo());
}
