// Node module customization hooks for tests/prompt_lazy_test.ts (registered
// by prompt_lazy_register): the Node counterpart of the Deno test's import
// map. Resolving @inquirer/prompts, or any of its subpaths, yields the
// sentinel, whose evaluation leaves a mark the child reports.
import type {
  ResolveFnOutput,
  ResolveHook,
  ResolveHookContext,
} from "node:module";

const PROMPTS = "@inquirer/prompts";
let sentinel: string | undefined;

/** Receives the sentinel's URL from `register(..., { data })`. */
export function initialize(data: { sentinel: string }): void {
  sentinel = data.sentinel;
}

/** Sends @inquirer/prompts to the sentinel; everything else resolves as usual. */
export function resolve(
  specifier: string,
  context: ResolveHookContext,
  nextResolve: Parameters<ResolveHook>[2],
): ResolveFnOutput | Promise<ResolveFnOutput> {
  if (
    sentinel !== undefined &&
    (specifier === PROMPTS || specifier.startsWith(`${PROMPTS}/`))
  ) {
    return { url: sentinel, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
