/**
 * `harmony-config explain KEY`: what every source says, and who wins.
 *
 * @module
 */
import type { ExplainLeaf, ExplainStep, Explanation } from "../../explain.ts";
import { openChain, planChain } from "../chain.ts";
import type { CommandContext } from "../context.ts";
import { cliSituation, ExitCode } from "../errors.ts";
import { SourceUnavailableError } from "../../errors.ts";
import { notFoundError } from "../../_internal/resolver.ts";
import { formatJson, type Output, type Style } from "../output.ts";
import { hiddenNote, hideScalars } from "../redaction.ts";
import { definitionFor } from "../schema.ts";

const STATUS_STYLE: Record<ExplainStep["status"], Style> = {
  hit: "green",
  migrated: "green",
  miss: "dim",
  invalid: "red",
  unavailable: "yellow",
  error: "red",
};

/**
 * Runs `explain`.
 *
 * @param context The command's arguments, options and streams.
 * @returns 0 when a source or the defaults answer, 3 when nothing has the
 * key, 1 when the value that answers is invalid or a source failed.
 */
export async function explainCommand(
  context: CommandContext,
): Promise<number> {
  const { args, options, out, cwd } = context;
  const loaded = await definitionFor(args[0], options.schema, cwd);
  await using manager = await openChain(
    await planChain({ files: options.file, cwd }),
  );
  let explanation = await manager.explain(loaded.def);
  // Without a schema nothing marks a field secret: hide every scalar.
  const hide = !loaded.fromSchema && !options.reveal;
  if (hide) explanation = hideValues(explanation);
  const code = explanation.answeredBy !== undefined
    ? ExitCode.Ok
    : explanation.steps.some((s) =>
        s.status === "invalid" || s.status === "error"
      )
    ? ExitCode.Error
    : ExitCode.NotFound;
  if (code === ExitCode.NotFound) {
    // The library's advice speaks of set() and getOrPrompt; say it in
    // the CLI's commands.
    const unavailable = explanation.steps
      .filter((step) => step.status === "unavailable")
      .map((step) =>
        new SourceUnavailableError(step.source, step.reason ?? "unavailable")
      );
    explanation = {
      ...explanation,
      error: notFoundError(
        manager.sources,
        loaded.def.key,
        unavailable,
        cliSituation(loaded.def.key, loaded.reference, loaded.fromSchema),
      ).message,
    };
  }
  if (out.json) {
    await out.document(explanation);
    return code;
  }
  await printExplanation(out, explanation);
  if (hide && explanation.steps.some((s) => s.value !== undefined)) {
    await out.note(hiddenNote(loaded));
  }
  return code;
}

function hideValues(explanation: Explanation): Explanation {
  return {
    ...explanation,
    ...("value" in explanation
      ? { value: hideScalars(explanation.value) }
      : {}),
    steps: explanation.steps.map((step) =>
      step.value === undefined
        ? step
        : { ...step, value: hideScalars(step.value) }
    ),
    ...(explanation.leaves === undefined ? {} : {
      leaves: explanation.leaves.map((leaf) =>
        leaf.value === undefined
          ? leaf
          : { ...leaf, value: hideScalars(leaf.value) }
      ),
    }),
  };
}

async function printExplanation(
  out: Output,
  explanation: Explanation,
): Promise<void> {
  const { key, answeredBy, steps } = explanation;
  await out.line(
    answeredBy === undefined
      ? `${out.style("bold", key)}: no answer`
      : `${out.style("bold", key)}: answered by ${
        out.style("bold", answeredBy)
      }`,
  );
  const width = Math.max(...steps.map((s) => s.source.length));
  for (const [index, step] of steps.entries()) {
    const marker = step.winner ? out.style("green", "→") : " ";
    const status = out.style(STATUS_STYLE[step.status], step.status.padEnd(11));
    const line = `${marker} ${index + 1}. ${
      step.source.padEnd(width)
    }  ${status}${step.winner ? " (winner)" : ""}`;
    await out.line(line.trimEnd());
    for (const detail of stepDetails(step)) {
      await out.line(`       ${detail}`);
    }
  }
  if (answeredBy === "defaults") {
    await out.line(`  the schema's defaults answer, as no source has ${key}`);
  }
  if (explanation.leaves !== undefined && explanation.leaves.length > 0) {
    await printLeaves(out, explanation.leaves);
  }
  if (explanation.value !== undefined) {
    await out.line(`value: ${formatJson(explanation.value)}`);
  }
  if (explanation.error !== undefined) {
    await out.line(`${out.style("red", "error:")} ${explanation.error}`);
  }
}

function stepDetails(step: ExplainStep): string[] {
  const details: string[] = [];
  if (step.locator !== undefined) details.push(`at ${step.locator}`);
  if (step.updatedAt !== undefined) details.push(`updated ${step.updatedAt}`);
  if (step.version !== undefined) details.push(`version ${step.version}`);
  if (step.reason !== undefined) details.push(`reason: ${step.reason}`);
  for (const issue of step.issues ?? []) {
    details.push(`invalid ${issue.path || "(value)"}: ${issue.message}`);
  }
  if (step.value !== undefined) details.push(`value ${formatJson(step.value)}`);
  return details;
}

/** The fields of a fields-mode definition, each with where it was set. */
async function printLeaves(
  out: Output,
  leaves: readonly ExplainLeaf[],
): Promise<void> {
  await out.line("fields (each from the first source that has it):");
  const where = leaves.map((leaf) => leaf.locator ?? leaf.source);
  const pathWidth = Math.max(...leaves.map((leaf) => leaf.path.length));
  const whereWidth = Math.max(...where.map((text) => text.length));
  for (const [i, leaf] of leaves.entries()) {
    const value = leaf.value === undefined ? "" : JSON.stringify(leaf.value);
    await out.line(
      `  ${leaf.path.padEnd(pathWidth)}  ${
        (where[i] ?? "").padEnd(whereWidth)
      }  ${value}`.trimEnd(),
    );
  }
}
