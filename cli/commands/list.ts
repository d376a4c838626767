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

/** The keys of one source, or why they could not be listed. */
interface SourceListing {
  readonly source: string;
  readonly keys: readonly { key: string; updatedAt?: string }[];
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
    const width = Math.max(0, ...listing.keys.map((k) => k.key.length));
    for (const { key, updatedAt } of listing.keys) {
      await out.line(
        updatedAt === undefined
          ? `  ${key}`
          : `  ${key.padEnd(width)}  ${out.style("dim", `${updatedAt} UTC`)}`,
      );
    }
  }
  return failed ? ExitCode.Error : ExitCode.Ok;
}

async function listSource(source: ConfigSource): Promise<SourceListing> {
  try {
    if (source instanceof SqliteSource) {
      return { source: source.name, keys: await source.list() };
    }
    const keys = [...await source.keys()].sort();
    return { source: source.name, keys: keys.map((key) => ({ key })) };
  } catch (error) {
    return { source: source.name, keys: [], error: cliErrorMessage(error) };
  }
}
