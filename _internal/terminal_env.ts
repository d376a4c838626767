/**
 * Private: the environment variables the prompt stack reads while it
 * draws, in one place that `PromptSource.permissions()`, the `demo:prompt`
 * task (checked by a test) and the CLI's `doctor --prompt` all use.
 *
 * Found by reading the code of `@inquirer/prompts` 8 and of Deno's
 * `node:tty` / `util.styleText` (denoland/deno `ext/node/polyfills`):
 *
 * - `TERM`: `@inquirer/figures` reads it at import (is the terminal the
 *   Linux console?); on Windows that check reads {@linkcode WINDOWS_ONLY}
 *   too.
 * - `INQUIRER_KEYBINDINGS`: `@inquirer/core` reads it on every render
 *   (vim or emacs keys).
 * - `CLI_WIDTH`: `cli-width` reads it when the output stream has no width
 *   (an injected stream, a pty of zero columns).
 * - `NODE_DISABLE_COLORS`: Deno's `styleText` reads it when `FORCE_COLOR`
 *   is set.
 *
 * Deno's colour-depth detection (`process.stdout.getColorDepth()`, behind
 * every `styleText` on a terminal) would read many more: `TMUX`, `CI` and a
 * CI vendor list, `TERM_PROGRAM`, `COLORTERM`, `TEAMCITY_VERSION`… The
 * prompt engine decides the depth itself from the variables granted
 * (`_internal/prompt/color_depth.ts`), so none of those needs a grant.
 * `FORCE_COLOR` and `NO_COLOR` never do: Deno lets every program read them.
 *
 * @module
 */
import process from "node:process";

/** Variables the prompt stack reads on every platform. */
const EVERYWHERE = [
  "TERM",
  "NODE_DISABLE_COLORS",
  "INQUIRER_KEYBINDINGS",
  "CLI_WIDTH",
] as const;

/** What `@inquirer/figures` also reads on Windows to tell whether the console shows Unicode. */
const WINDOWS_ONLY = [
  "CI",
  "WT_SESSION",
  "TERMINUS_SUBLIME",
  "ConEmuTask",
  "TERM_PROGRAM",
  "TERMINAL_EMULATOR",
] as const;

/**
 * The variables to grant (`--allow-env=…`) for drawing a prompt under Deno
 * on `platform`.
 *
 * @param platform Defaults to `process.platform`.
 * @returns The variable names, `TERM` first.
 */
export function terminalEnvVars(
  platform: string = process.platform,
): readonly string[] {
  return platform === "win32" ? [...EVERYWHERE, ...WINDOWS_ONLY] : EVERYWHERE;
}

/** The variables on this platform: what `PromptSource.permissions()` reports. */
export const TERMINAL_ENV_VARS: readonly string[] = terminalEnvVars();
