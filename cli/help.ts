/**
 * The `--help` text of the program and of each command.
 *
 * @module
 */
import type { CommandName } from "./args.ts";

const OPTIONS = `Options for every command:
  --file DIR       Add a LocalFileSource reading DIR/<KEY>.json (repeatable)
  --json           Print one JSON document (errors go to stderr as JSON)
  --debug          Show stack traces on errors
  -h, --help       Show help`;

const FOOTER =
  `Chain: env (HARMONY_CONFIG_<KEY>), --file dirs, OpenBao (when OPENBAO_URL,
BAO_ADDR or VAULT_ADDR is set), then SQLite at <data dir>/config/config.db.

Exit codes: 0 ok, 1 error, 2 usage error, 3 not found.`;

const COMMON = `${OPTIONS}\n\n${FOOTER}`;

const SCHEMA = `  --schema MODULE[#EXPORT]
                   Load the ConfigDefinitions (defineConfig) a module exports,
                   such as ./config.ts, or one, ./config.ts#Postgres (KEY may
                   then be left out). Without it, the module HARMONY_SCHEMA
                   or "harmony-config": { "schema": "./config.ts" } in the
                   nearest deno.json or package.json names is used. Without
                   a definition of KEY, values are raw JSON and are all
                   hidden unless --reveal is given, since nothing says which
                   are secret.`;

/** The overview shown by `harmony-config --help`. */
export const PROGRAM_HELP: string =
  `harmony-config: inspect, set and explain @harmony/config configuration

Usage: harmony-config <command> [options]

Commands:
  get KEY          Print the value as JSON (secrets redacted unless --reveal)
  set KEY JSON     Store a value; "set KEY -" reads the JSON from stdin
  unset KEY        Remove the key from the sources that persist
  list             List the keys, source by source
  explain KEY      Show what every source says about KEY, and which one wins
  path             Print the data dir and the SQLite path
  doctor           Check every source and print the minimal deno run flags
  schema [KEY]     Print the JSON Schema of a definition's stored shape
  docs             Print a Markdown reference of every definition

${OPTIONS}
  -V, --version    Print the version (with no command)

${FOOTER}

Run harmony-config <command> --help for a command's options.`;

const COMMAND_HELP: Record<CommandName, string> = {
  get:
    `Usage: harmony-config get KEY [--schema MODULE[#EXPORT]] [--reveal] [--prompt]

Prints the value the chain resolves for KEY, as JSON.

  --reveal         Print secret values as they are
  --prompt         When no source has KEY, ask for it in the terminal and
                   store the answer (needs a definition of KEY)
${SCHEMA}`,
  set: `Usage: harmony-config set KEY JSON [--source sqlite|file:DIR|openbao]
       harmony-config set KEY - < value.json

Stores a JSON value. Without --source it goes to the first source that
persists (a --file dir, else OpenBao when configured, else SQLite).
A string needs JSON quotes: harmony-config set Name '"harmony"'.
A value starting with - goes after --: harmony-config set Offset -- -1.

  --source S       Write to sqlite, file:DIR or openbao
${SCHEMA}
                   With a schema the value is validated before it is stored.`,
  unset: `Usage: harmony-config unset KEY [--source sqlite|file:DIR|openbao]

Removes KEY from every source that persists, or from the --source one.
Exits 3 when no such source held it. An env var cannot be removed: unset it
in your shell. A key that list marks as not valid (another tool stored it in
the shared SQLite file) is removed as list shows it, quotes dropped.

  --source S       Remove only from sqlite, file:DIR or openbao`,
  list: `Usage: harmony-config list [--schema MODULE]

Lists the keys each source holds, in chain order. SQLite keys show when they
were last written (UTC); one that is not an identifier (another tool stored
it) is shown quoted and marked: get cannot read it, unset removes it.
With the definitions (--schema, or the project's schema module) each key
says whether a definition knows it and whether what the source holds is
valid (for a fields-mode key: each field it holds, against that field's
schema). Listing env vars needs full --allow-env.

${SCHEMA}`,
  explain:
    `Usage: harmony-config explain KEY [--schema MODULE[#EXPORT]] [--reveal]

Shows every source in chain order with what it said (hit, miss, invalid,
unavailable, migrated or error), where it looked (env var, file path, DB row
and updated_at, OpenBao path and version), and which one won. For a key whose
definition has layering "fields", every source that gave a field wins, and
each field is listed with the source (and env var, file or row) that set it.
Exits 3 when no source has KEY, 1 when the value that answers is invalid.

  --reveal         Show values without a schema (secret fields of a schema
                   stay redacted; use get --reveal for those)
${SCHEMA}`,
  path: `Usage: harmony-config path

Prints Harmony's data dir ($HARMONY_DATA_DIR, else $XDG_DATA_HOME/harmony,
else ~/.local/share/harmony) and the SQLite path inside it.`,
  schema: `Usage: harmony-config schema [KEY] [--schema MODULE[#EXPORT]]

Prints the JSON Schema (2020-12) of what a source holds for KEY: the input
side of transforms and codecs, descriptions and defaults kept, secret fields
marked "writeOnly": true and "x-harmony-secret": true, a secret's default
left out. Without KEY: the only definition's, or one document whose $defs
holds each key's (#/$defs/KEY). Needs the definitions (--schema, or the
project's schema module). Exits 3 when no definition has KEY.

${SCHEMA}`,
  docs: `Usage: harmony-config docs [--schema MODULE] [--json]

Prints a Markdown reference of every definition: its key, env var (and each
field's own env var, in fields mode), where the chain stores it, and each
field with its type, whether it is required, its default (never a secret's),
whether it is secret, and its description. --json prints the same for tools,
with each definition's JSON Schema.

${SCHEMA}`,
  doctor: `Usage: harmony-config doctor [--schema MODULE#EXPORT] [--prompt]

Opens every source of the chain, checks its Deno permissions, that it can be
reached and that its files are private (0600 files, 0700 dirs), then, under
Deno, prints the minimal deno run flags the chain needs (Node has no such
flags). Exits 1 when a check fails.

  --schema M       Check this schema module rather than the project's
                   (HARMONY_SCHEMA, or "harmony-config" in deno.json or
                   package.json), and add the flags loading it needs
  --prompt         Include what get --prompt needs (the terminal's env vars)

Opening SQLite creates its directory, after which the flags are enough; in a
terminal, Deno asks for read access to the data dir while creating it.`,
};

/**
 * Returns the help text of a command, or of the program.
 *
 * @param command The command, or `undefined` for the program.
 * @returns The text, ending with the options every command takes.
 */
export function helpText(command: CommandName | undefined): string {
  if (command === undefined) return PROGRAM_HELP;
  return `${COMMAND_HELP[command]}\n\n${COMMON}`;
}
