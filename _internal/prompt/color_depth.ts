/**
 * Private: the colour depth the prompt stack sees under Deno, decided from
 * the variables this run may read.
 *
 * `@inquirer/prompts` colours with `node:util` `styleText`, which asks
 * `process.stdout.getColorDepth()` (whatever stream the prompt draws on).
 * On a terminal, Deno's implementation reads `TMUX`, `CI`, a CI vendor
 * list, `TERM_PROGRAM`, `COLORTERM` and more, and each read that was not
 * granted throws `NotCapable`: a prompt in tmux, VS Code or CI would fail
 * under the least-privilege flags. While prompts are drawn, `stdout` gets
 * its own `getColorDepth` that runs Deno's logic on the granted variables
 * only (the rest count as unset), and the original returns when the last
 * prompt session ends. Node reads the environment freely and is left
 * alone.
 *
 * @module
 */
import process from "node:process";
import { deno, isGranted } from "../runtime.ts";

/**
 * What Deno's `getColorDepth` may read (denoland/deno
 * `ext/node/polyfills/internal/tty.js`): passed on when granted.
 */
const COLOR_VARS = [
  "FORCE_COLOR",
  "NO_COLOR",
  "NODE_DISABLE_COLORS",
  "TERM",
  "TMUX",
  "TF_BUILD",
  "AGENT_NAME",
  "CI",
  "APPVEYOR",
  "BUILDKITE",
  "CIRCLECI",
  "DRONE",
  "GITEA_ACTIONS",
  "GITHUB_ACTIONS",
  "GITLAB_CI",
  "TRAVIS",
  "CI_NAME",
  "TEAMCITY_VERSION",
  "TERM_PROGRAM",
  "TERM_PROGRAM_VERSION",
  "COLORTERM",
];

/** Readable by every Deno program, granted or not. */
const ALWAYS_READABLE = new Set(["FORCE_COLOR", "NO_COLOR"]);

type ColorDepth = (env?: Record<string, string | undefined>) => number;

let sessions = 0;
let restore: PropertyDescriptor | undefined;

/** The granted subset of {@linkcode COLOR_VARS}, read without ever throwing. */
function visibleColorEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of COLOR_VARS) {
    if (
      !ALWAYS_READABLE.has(name) && !isGranted({ name: "env", variable: name })
    ) {
      continue;
    }
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * Runs `draw` with `process.stdout.getColorDepth` deciding from the granted
 * variables only (under Deno, when stdout is a terminal); nested and
 * concurrent sessions share one override.
 *
 * @param draw What imports and draws the prompts.
 * @returns What `draw` returns.
 */
export async function withDecidedColorDepth<T>(
  draw: () => Promise<T>,
): Promise<T> {
  if (deno === undefined || process.stdout.isTTY !== true) return await draw();
  const stdout = process.stdout as unknown as { getColorDepth: ColorDepth };
  if (sessions === 0) {
    restore = Object.getOwnPropertyDescriptor(stdout, "getColorDepth");
    const original = stdout.getColorDepth;
    Object.defineProperty(stdout, "getColorDepth", {
      configurable: true,
      writable: true,
      value: (env?: Record<string, string | undefined>): number => {
        if (env !== undefined) return original.call(stdout, env);
        // Deno's Windows branch asks os.release(), which needs
        // --allow-sys; every Windows 10+ console takes 256 colours.
        if (process.platform === "win32") return deno?.noColor ? 1 : 8;
        return original.call(stdout, visibleColorEnv());
      },
    });
  }
  sessions++;
  try {
    return await draw();
  } finally {
    sessions--;
    if (sessions === 0) {
      // Whatever was there before (usually the prototype's method) comes back.
      if (restore === undefined) {
        delete (stdout as Partial<typeof stdout>).getColorDepth;
      } else {
        Object.defineProperty(stdout, "getColorDepth", restore);
      }
    }
  }
}
