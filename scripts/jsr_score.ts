/**
 * Computes the JSR score items that can be checked without publishing, and
 * fails when any is short of its full mark:
 *
 * - a README with an example (a code block);
 * - a module doc with an example on every entry point in `deno.json`;
 * - every exported symbol documented (from `deno doc --json`);
 * - every exported symbol with an `@example` (the conventions ask for one;
 *   JSR scores only the module docs' examples, so this is stricter);
 * - no slow types, and only the library, README and LICENSE (and
 *   `deno.json`) in the package (`deno publish --dry-run`);
 * - a license;
 * - a description (the README's opening sentence; on jsr.io it is set in
 *   the package settings, so paste it there).
 *
 * Provenance and the runtime-compatibility marks are set on jsr.io and are
 * not checked here.
 *
 * Usage: `deno task check:jsr`
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  exportMap,
  importGraph,
  readDenoJson,
  readmeSummary,
  ROOT,
  run,
} from "./_npm.ts";

/** One row of the score table. */
interface Item {
  name: string;
  score: string;
  ok: boolean;
  detail: string;
  /** Informational rows never fail the check. */
  info?: boolean;
}

interface JsDoc {
  doc?: string;
  tags?: { kind: string }[];
}

interface DocSymbol {
  name: string;
  declarations: {
    jsDoc?: JsDoc;
    kind: string;
    declarationKind: string;
  }[];
}

interface DocJson {
  nodes: Record<
    string,
    { module_doc?: JsDoc; symbols?: DocSymbol[] }
  >;
}

const CODE_BLOCK = /```[\s\S]*?```/;

function hasExample(doc: JsDoc | undefined): boolean {
  return CODE_BLOCK.test(doc?.doc ?? "") ||
    (doc?.tags ?? []).some((tag) => tag.kind === "example");
}

function documented(doc: JsDoc | undefined): boolean {
  return (doc?.doc ?? "").trim() !== "";
}

async function main(): Promise<void> {
  const config = await readDenoJson();
  const entries = exportMap(config);
  const items: Item[] = [];

  // README with an example.
  const readme = await readFile(join(ROOT, "README.md"), "utf8").catch(() =>
    ""
  );
  items.push({
    name: "README with an example",
    score: readme && CODE_BLOCK.test(readme) ? "2/2" : readme ? "1/2" : "0/2",
    ok: readme !== "" && CODE_BLOCK.test(readme),
    detail: readme === ""
      ? "README.md is missing"
      : CODE_BLOCK.test(readme)
      ? `${readme.match(/```/g)!.length / 2} code blocks`
      : "README.md has no code block",
  });

  // Module docs with examples, and documented symbols, per entry point.
  const noModuleDoc: string[] = [];
  const undocumented: string[] = [];
  const noExample: string[] = [];
  let symbols = 0;
  for (const [key, source] of Object.entries(entries)) {
    const { stdout } = await run(Deno.execPath(), [
      "doc",
      "--json",
      join(ROOT, source),
    ], { quiet: true });
    const doc = JSON.parse(stdout) as DocJson;
    const node = Object.entries(doc.nodes).find(([url]) =>
      url.startsWith("file:") &&
      relative(ROOT, fileURLToPath(url)) === source.replace(/^\.\//, "")
    )?.[1];
    if (!node || !documented(node.module_doc) || !hasExample(node.module_doc)) {
      noModuleDoc.push(`${key} (${source})`);
    }
    for (const symbol of node?.symbols ?? []) {
      const exported = symbol.declarations.filter((d) =>
        d.declarationKind === "export" && d.kind !== "import" &&
        d.kind !== "moduleDoc"
      );
      if (exported.length === 0) continue;
      symbols++;
      const label = `${key === "." ? "" : key.slice(2) + ":"}${symbol.name}`;
      if (!exported.some((d) => documented(d.jsDoc))) undocumented.push(label);
      if (!exported.some((d) => hasExample(d.jsDoc))) noExample.push(label);
    }
  }
  const count = Object.keys(entries).length;
  items.push({
    name: "Module docs with an example on every entry point",
    score: `${count - noModuleDoc.length}/${count}`,
    ok: noModuleDoc.length === 0,
    detail: noModuleDoc.length === 0
      ? Object.keys(entries).join(", ")
      : `missing or without example: ${noModuleDoc.join(", ")}`,
  });
  const percent = symbols === 0
    ? 0
    : Math.floor(100 * (symbols - undocumented.length) / symbols);
  items.push({
    name: "Documented exported symbols",
    score: `${percent}%`,
    ok: symbols > 0 && undocumented.length === 0,
    detail: undocumented.length === 0
      ? `${symbols} of ${symbols}`
      : `${symbols - undocumented.length} of ${symbols}; undocumented: ${
        undocumented.join(", ")
      }`,
  });

  // No slow types, and the package's file list.
  const publish = await run(Deno.execPath(), [
    "publish",
    "--dry-run",
    "--allow-dirty",
  ], { quiet: true, allowFailure: true, env: { NO_COLOR: "1" } });
  const output = publish.stdout + publish.stderr;
  // "Checking for slow types…" is printed on success too; problems are
  // `error[<code>]` diagnostics. Warnings (such as a dynamic import of a
  // user's file) do not cost score; they are shown.
  const diagnostics = (kind: string): string[] =>
    [...output.matchAll(
      new RegExp(`${kind}\\[([a-z-]+)\\][^\\n]*\\n\\s*--> (\\S+)`, "g"),
    )]
      .map((m) => `${m[1]} at ${relative(ROOT, m[2]!)}`);
  const errors = diagnostics("error");
  const warnings = diagnostics("warning");
  const clean = publish.code === 0 && errors.length === 0;
  items.push({
    name: "No slow types (deno publish --dry-run)",
    score: clean ? "5/5" : "0/5",
    ok: clean,
    detail: (clean ? "clean" : errors.join(", ") || `exit ${publish.code}`) +
      (warnings.length ? `; warnings: ${warnings.join(", ")}` : ""),
  });
  if (publish.code === 0) {
    const files = [...output.matchAll(/file:\/\/(\S+)/g)].map((m) =>
      relative(ROOT, m[1]!)
    );
    const graph = new Set(
      (await importGraph(Object.values(entries))).map((m) => m.path),
    );
    const allowed = new Set([...graph, "README.md", "LICENSE", "deno.json"]);
    const extra = files.filter((f) => !allowed.has(f));
    const missing = [...graph].filter((f) => !files.includes(f));
    items.push({
      name: "Package holds only the library, README and LICENSE",
      score: extra.length === 0 && missing.length === 0 ? "ok" : "no",
      ok: extra.length === 0 && missing.length === 0,
      detail: extra.length === 0 && missing.length === 0
        ? `${files.length} files: ${graph.size} modules + README.md, LICENSE, deno.json`
        : [
          extra.length ? `not library: ${extra.join(", ")}` : "",
          missing.length ? `missing: ${missing.join(", ")}` : "",
        ].filter(Boolean).join("; ") +
          " (fix publish.exclude in deno.json; untracked files count too)",
    });
  }

  // License and description.
  const license = await readFile(join(ROOT, "LICENSE"), "utf8").catch(() => "");
  items.push({
    name: "License",
    score: license.trim() && config.license ? "ok" : "no",
    ok: license.trim() !== "" && config.license !== undefined,
    detail: `LICENSE ${
      license.trim() ? "present" : "missing"
    }; deno.json license: ${config.license ?? "missing"}`,
  });
  const description = await readmeSummary().catch(() => "");
  items.push({
    name: "Description",
    score: description && description.length <= 250 ? "1/1" : "0/1",
    ok: description !== "" && description.length <= 250,
    detail: description
      ? `"${description}" (${description.length} chars; set it on jsr.io)`
      : "README.md has no opening paragraph",
  });

  // The conventions ask for an @example on every export; CI keeps it so.
  items.push({
    name: "Exports with an @example (conventions)",
    score: `${symbols - noExample.length}/${symbols}`,
    ok: symbols > 0 && noExample.length === 0,
    detail: noExample.length === 0
      ? `${symbols} of ${symbols}`
      : `without: ${noExample.join(", ")}`,
  });

  printTable(items);
  const failed = items.filter((item) => !item.ok && !item.info);
  if (failed.length > 0) {
    console.error(
      `\ncheck:jsr: ${failed.length} item(s) short of full marks: ${
        failed.map((f) => f.name).join("; ")
      }`,
    );
    process.exit(1);
  }
  console.log("\ncheck:jsr: every locally checkable item has full marks");
}

function printTable(items: readonly Item[]): void {
  console.log("| JSR score item | score | status | detail |");
  console.log("| -------------- | ----- | ------ | ------ |");
  for (const item of items) {
    const status = item.ok ? "pass" : item.info ? "info" : "FAIL";
    console.log(
      `| ${item.name} | ${item.score} | ${status} | ${item.detail} |`,
    );
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`check:jsr failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
