/**
 * Private: the environment variables the prompt stack reads while it draws,
 * in one place that `PromptSource.permissions()`, the tasks and the CLI's
 * `doctor` all use.
 *
 * @module
 */

/** Variables `@inquirer/prompts` and the runtime's tty layer read while drawing. */
export const TERMINAL_ENV_VARS: readonly string[] = [
  "TERM",
  "NODE_DISABLE_COLORS",
  "INQUIRER_KEYBINDINGS",
  "CLI_WIDTH",
];
