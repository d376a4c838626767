/**
 * `harmony-config list`: the keys each source holds.
 *
 * @module
 */
import type { ConfigSource } from "../../source.ts";
import { SqliteSource } from "../../sources/sqlite.ts";
import { openChain, planChain } from "../chain.ts";
import type { CommandContext } from "../context.ts";
import { cliErrorMessage, ExitCode } from "../errors.ts";
import { isValidKey } from "../../_internal/key.ts";
import { shownKey } from "../output.ts";

/** One listed key; `invalid` when it is not an identifier (written by another tool). */
interface ListedKey {
  readonly key: string;
  readonly updatedAt?: string;
  readonly invalid?: true;
}

/** The keys of one source, or why they could not be listed. */
interface SourceListing {
  readonly source: string;
  readonly keys: readonly ListedKey[];
  readonly error?: string;
}

/**
 * Runs `list`.
 *
 * @param context The command's options and streams.
 * @returns 0, or 1 when a source could not be listed.
 */
export async function listCommand(context: CommandContext): Promise<number> {
  const { options, out, cwd } = context;
  await using manager = await openChain(
    await planChain({ files: options.file, cwd }),
  );
  const listings: SourceListing[] = [];
  for (const source of manager.sources) listings.push(await listSource(source));
  const failed = listings.some((listing) => listing.error !== undefined);
  if (out.json) {
    await out.document({ sources: listings });
    return failed ? ExitCode.Error : ExitCode.Ok;
  }
  for (const listing of listings) {
    await out.line(out.style("bold", listing.source));
    if (listing.error !== undefined) {
      await out.line(`  ${out.style("red", "error:")} ${listing.error}`);
    } else if (listing.keys.length === 0) {
      await out.line(`  ${out.style("dim", "(no keys)")}`);
    }
    const shown = listing.keys.map((k) => shownKey(k.key));
    const width = Math.max(0, ...shown.map((key) => key.length));
    for (const [index, { updatedAt, invalid }] of listing.keys.entries()) {
      const key = shown[index] ?? "";
      const line = updatedAt === undefined
        ? `  ${key}`
        : `  ${key.padEnd(width)}  ${out.style("dim", `${updatedAt} UTC`)}`;
      await out.line(
        invalid
          ? `${line}  ${
            out.style(
              "yellow",
              "(not a valid key: get cannot read it; unset removes it)",
            )
          }`
          : line,
      );
    }
  }
  return failed ? ExitCode.Error : ExitCode.Ok;
}

async function listSource(source: ConfigSource): Promise<SourceListing> {
  try {
    if (source instanceof SqliteSource) {
      // The file is shared with other tools, which may store any text as a
      // key: such rows are shown, marked, so unset can remove them.
      const rows = await source.list();
      return {
        source: source.name,
        keys: rows.map((row) =>
          isValidKey(row.key) ? row : { ...row, invalid: true as const }
        ),
      };
    }
    const keys = [...await source.keys()].sort();
    return { source: source.name, keys: keys.map((key) => ({ key })) };
  } catch (error) {
    return { source: source.name, keys: [], error: cliErrorMessage(error) };
  }
}
