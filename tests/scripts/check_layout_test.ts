import assert from "node:assert/strict";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import {
  cliImportAllowance,
  type Edge,
  excludeMatcher,
  exportsFromDoc,
  findCycles,
  isCore,
  isLibraryFile,
  isPrivate,
  parsePublicApi,
} from "../../scripts/check_layout.ts";
import { tempDir } from "../_helpers/temp.ts";

const SCRIPT = fileURLToPath(
  new URL("../../scripts/check_layout.ts", import.meta.url),
);

/** A tree in the new layout that keeps every rule. */
function cleanTree(): Record<string, string> {
  return {
    "deno.json": JSON.stringify({
      exports: {
        ".": "./mod.ts",
        "./cli": "./cli.ts",
        "./openbao": "./stores/openbao/mod.ts",
      },
      exclude: ["generated/"],
      publish: { exclude: ["tests/", "_probe*"] },
    }),
    "mod.ts": [
      `export { type ConfigDefinition, defineConfig } from "./config.ts";`,
      `export { ConfigManager } from "./manager.ts";`,
      `export { defaultChain } from "./global.ts";`,
      `export { EnvSource } from "./sources/env.ts";`,
    ].join("\n"),
    "config.ts": [
      `export interface ConfigDefinition { key: string }`,
      `export function defineConfig(key: string): ConfigDefinition {`,
      `  return { key };`,
      `}`,
    ].join("\n"),
    "manager.ts": [
      `import type { ConfigDefinition } from "./config.ts";`,
      `import { resolveKey } from "./_internal/resolver.ts";`,
      `import type { SecretStore } from "./stores/secret_store.ts";`,
      `export class ConfigManager {`,
      `  store?: SecretStore;`,
      `  key(d: ConfigDefinition): string { return resolveKey(d.key); }`,
      `}`,
    ].join("\n"),
    "global.ts": [
      `import { EnvSource } from "./sources/env.ts";`,
      `export function defaultChain(): EnvSource[] { return [new EnvSource()]; }`,
    ].join("\n"),
    "_internal/resolver.ts":
      `export function resolveKey(key: string): string { return key; }`,
    "sources/env.ts": [
      `import type { ConfigDefinition } from "../config.ts";`,
      `export class EnvSource { seen: ConfigDefinition[] = []; }`,
    ].join("\n"),
    "stores/secret_store.ts":
      `export interface SecretStore { get(key: string): Promise<string> }`,
    "stores/openbao/mod.ts": `export { OpenBaoStore } from "./store.ts";`,
    "stores/openbao/store.ts": [
      `import { request } from "./_http.ts";`,
      `import type { SecretStore } from "../secret_store.ts";`,
      `export class OpenBaoStore implements SecretStore {`,
      `  get(key: string): Promise<string> { return request(key); }`,
      `}`,
    ].join("\n"),
    "stores/openbao/_http.ts":
      `export function request(path: string): Promise<string> { return Promise.resolve(path); }`,
    "cli.ts": `export { run } from "./cli/main.ts";`,
    "cli/main.ts": [
      `import { defineConfig } from "../mod.ts";`,
      `import { ConfigManager } from "../manager.ts";`,
      `import { OpenBaoStore } from "../stores/openbao/mod.ts";`,
      `import { resolveKey } from "../_internal/resolver.ts";`,
      `import { parseArgs } from "./args.ts";`,
      `export function run(args: string[]): string {`,
      `  new ConfigManager(); new OpenBaoStore();`,
      `  return resolveKey(defineConfig(parseArgs(args)).key);`,
      `}`,
    ].join("\n"),
    "cli/args.ts":
      `export function parseArgs(args: string[]): string { return args[0] ?? ""; }`,
    // Not library files: tests, examples, and what deno.json excludes.
    "tests/_helpers/temp.ts": `export const scratch = "/tmp";`,
    "tests/mod_test.ts":
      `import { defineConfig } from "../mod.ts";\ndefineConfig("k");`,
    "examples/basic.ts":
      `import { defineConfig } from "../mod.ts";\ndefineConfig("k");`,
    "generated/stray.ts": `export const stray = 1;`,
    "_probe_scratch.ts": `export const probe = 1;`,
    "docs/public-api.md": [
      "# Public API",
      "",
      "Every symbol an entry point exports, and why.",
      "",
      "## `.` (mod.ts)",
      "",
      "| Symbol | Kind | Why it is public |",
      "|---|---|---|",
      "| `defineConfig` | function | pairs a key with a schema |",
      "| `ConfigDefinition` | interface | what defineConfig returns |",
      "| `ConfigManager` | class | reads and writes values |",
      "| `defaultChain` | function | the default sources |",
      "| `EnvSource` | class | environment variables |",
      "",
      "## `./cli` (cli.ts)",
      "",
      "| Symbol | Kind | Why it is public |",
      "| --- | --- | --- |",
      "| `run` | function | runs the CLI in-process |",
      "",
      "## `./openbao` (stores/openbao/mod.ts)",
      "",
      "| Symbol | Kind | Why it is public |",
      "|:--|:--|:--|",
      "| `OpenBaoStore` | class | the OpenBao client |",
      "",
    ].join("\n"),
  };
}

const CLEAN_FILES = 13;
const CLEAN_SYMBOLS = 7;

async function writeTree(
  root: string,
  files: Record<string, string>,
): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text.endsWith("\n") ? text : `${text}\n`);
  }
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  lines: string[];
}

async function check(root: string, flags = ["--allow-all"]): Promise<Outcome> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, SCRIPT, root],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  return {
    code: output.code,
    stdout,
    stderr,
    lines: `${stdout}${stderr}`.split("\n").filter((line) => line !== ""),
  };
}

/** Checks the clean tree with `change` applied. */
async function checkChanged(
  change: (files: Record<string, string>) => void,
): Promise<Outcome> {
  await using dir = await tempDir("check-layout-");
  const files = cleanTree();
  change(files);
  await writeTree(dir.path, files);
  return await check(dir.path);
}

/** The problem lines (everything but the summary), for one rule. */
function problems(outcome: Outcome, rule: string): string[] {
  return outcome.lines.filter((line) => line.startsWith(`${rule}: `));
}

function assertOnly(outcome: Outcome, rule: string, count = 1): string[] {
  assert.equal(outcome.code, 1, outcome.stdout + outcome.stderr);
  const found = problems(outcome, rule);
  assert.equal(found.length, count, outcome.lines.join("\n"));
  assert.equal(
    outcome.lines.length,
    count + 1,
    `only ${rule} problems and a summary:\n${outcome.lines.join("\n")}`,
  );
  assert.match(outcome.lines.at(-1)!, /^layout: \d+ problems? \(/);
  return found;
}

describe("scripts/check_layout.ts on fixture trees", () => {
  test("a clean tree passes, with only read and run-deno permissions", async () => {
    await using dir = await tempDir("check-layout-");
    await writeTree(dir.path, cleanTree());
    const outcome = await check(dir.path, [
      "--allow-read",
      `--allow-run=${Deno.execPath()}`,
    ]);
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    assert.deepEqual(outcome.lines, [
      `layout ok: ${CLEAN_FILES} files, 3 entry points, ${CLEAN_SYMBOLS} public symbols`,
    ]);
  });

  test("--json prints the report", async () => {
    await using dir = await tempDir("check-layout-");
    await writeTree(dir.path, cleanTree());
    const json = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-all", SCRIPT, dir.path, "--json"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const report = JSON.parse(new TextDecoder().decode(json.stdout));
    assert.equal(json.code, 0);
    assert.deepEqual(
      {
        files: report.files,
        entryPoints: report.entryPoints,
        publicSymbols: report.publicSymbols,
        problems: report.problems,
      },
      {
        files: CLEAN_FILES,
        entryPoints: 3,
        publicSymbols: CLEAN_SYMBOLS,
        problems: [],
      },
    );
  });

  test("an import cycle fails and is named", async () => {
    const outcome = await checkChanged((files) => {
      files["config.ts"] = `import "./manager.ts";\n${files["config.ts"]}`;
    });
    const [line] = assertOnly(outcome, "cycle");
    assert.match(
      line!,
      /^cycle: config\.ts -> manager\.ts -> config\.ts \(manager\.ts imports only types from config\.ts\): /,
    );
  });

  test("a public file that no entry point reaches fails; the same file with a _ passes", async () => {
    const stray = `export function helper(): number { return 1; }`;
    const outcome = await checkChanged((files) => {
      files["helpers.ts"] = stray;
    });
    const [line] = assertOnly(outcome, "unexported");
    assert.match(
      line!,
      /^unexported: helpers\.ts is neither exported nor private: rename it with a leading _ or move it under _internal\//,
    );

    await using dir = await tempDir("check-layout-");
    await writeTree(dir.path, { ...cleanTree(), "helpers.ts": stray });
    await rename(join(dir.path, "helpers.ts"), join(dir.path, "_helpers.ts"));
    const renamed = await check(dir.path);
    assert.equal(renamed.code, 0, renamed.lines.join("\n"));
    assert.equal(
      renamed.lines[0],
      `layout ok: ${
        CLEAN_FILES + 1
      } files, 3 entry points, ${CLEAN_SYMBOLS} public symbols`,
    );
  });

  test("a cli/ file importing a tests/ helper fails, though tests/_helpers/ has a _", async () => {
    const outcome = await checkChanged((files) => {
      files["cli/args.ts"] =
        `import { scratch } from "../tests/_helpers/temp.ts";\n` +
        `export function parseArgs(args: string[]): string { return args[0] ?? scratch; }`;
    });
    const [line] = assertOnly(outcome, "cli-import");
    assert.match(
      line!,
      /^cli-import: cli\/args\.ts imports tests\/_helpers\/temp\.ts, which is not a library file: /,
    );
  });

  test("a cli/ file importing a public file no other entry point reaches fails", async () => {
    const outcome = await checkChanged((files) => {
      files["format.ts"] =
        `export function format(s: string): string { return s; }`;
      files["cli/args.ts"] = `import { format } from "../format.ts";\n` +
        `export function parseArgs(args: string[]): string { return format(args[0] ?? ""); }`;
    });
    // Reached from cli.ts, so not "unexported"; but not part of the public API.
    const [line] = assertOnly(outcome, "cli-import");
    assert.match(
      line!,
      /^cli-import: cli\/args\.ts imports format\.ts, which is public but no entry point other than the CLI reaches: /,
    );
  });

  test("a core file importing sources/ fails; global.ts and stores/secret_store.ts are allowed", async () => {
    const outcome = await checkChanged((files) => {
      files["manager.ts"] = `import { EnvSource } from "./sources/env.ts";\n` +
        files["manager.ts"]!.replace(
          "store?: SecretStore;",
          "store?: SecretStore; env = new EnvSource();",
        );
    });
    const [line] = assertOnly(outcome, "core-import");
    assert.match(
      line!,
      /^core-import: core file manager\.ts imports sources\/env\.ts: the core imports no concrete source or store \(of sources\/ and stores\/ it may import only stores\/secret_store\.ts\)/,
    );
  });

  test("a private core file importing a store fails too", async () => {
    const outcome = await checkChanged((files) => {
      files["_internal/resolver.ts"] =
        `import type { OpenBaoStore } from "../stores/openbao/store.ts";\n` +
        `export type Store = OpenBaoStore;\n` + files["_internal/resolver.ts"];
    });
    const [line] = assertOnly(outcome, "core-import");
    assert.match(
      line!,
      /^core-import: core file _internal\/resolver\.ts imports types from stores\/openbao\/store\.ts: /,
    );
  });

  test("mod.ts exporting an unlisted symbol fails, and so does a listed symbol it does not export", async () => {
    const outcome = await checkChanged((files) => {
      files["mod.ts"] += `\nexport const internalFlag: boolean = true;`;
      files["docs/public-api.md"] = files["docs/public-api.md"]!.replace(
        "| `EnvSource` | class | environment variables |",
        "| `EnvSource` | class | environment variables |\n| `gone` | function | removed last week |",
      );
    });
    const lines = assertOnly(outcome, "public-api", 2);
    assert.match(
      lines[0]!,
      /^public-api: `\.` \(mod\.ts\) exports internalFlag, which docs\/public-api\.md does not list: /,
    );
    assert.match(
      lines[1]!,
      /^public-api: docs\/public-api\.md lists gone under `\.` \(mod\.ts\), which does not export it: /,
    );
  });

  test("type-only and re-exported symbols count as exported", async () => {
    const outcome = await checkChanged((files) => {
      files["mod.ts"] +=
        `\nexport type { SecretStore } from "./stores/secret_store.ts";`;
    });
    const [line] = assertOnly(outcome, "public-api");
    assert.match(
      line!,
      /exports SecretStore, which docs\/public-api\.md does not list/,
    );
  });
});

describe("check_layout's pure functions", () => {
  const edge = (to: string, typeOnly = false): Edge => ({
    to,
    dynamic: false,
    typeOnly,
  });

  test("findCycles gives one shortest cycle per strongly connected set", () => {
    assert.deepEqual(
      findCycles(
        new Map([
          ["a.ts", [edge("b.ts")]],
          ["b.ts", [edge("c.ts"), edge("a.ts")]],
          ["c.ts", [edge("a.ts")]],
          ["d.ts", [edge("d.ts")]],
          ["e.ts", [edge("a.ts")]],
        ]),
      ),
      [["a.ts", "b.ts", "a.ts"], ["d.ts", "d.ts"]],
    );
    assert.deepEqual(findCycles(new Map([["a.ts", [edge("b.ts")]]])), []);
  });

  test("privacy, library files and core", () => {
    assert.equal(isPrivate("stores/openbao/_http.ts"), true);
    assert.equal(isPrivate("_internal/resolver.ts"), true);
    assert.equal(isPrivate("stores/openbao/mod.ts"), false);
    const excludes = ["generated/", "_probe*", "!keep.ts"]
      .map(excludeMatcher)
      .filter((m) => m !== undefined);
    assert.equal(isLibraryFile("generated/x.ts", excludes), false);
    assert.equal(isLibraryFile("_probe_a.ts", excludes), false);
    assert.equal(isLibraryFile("tests/_helpers/temp.ts", excludes), false);
    assert.equal(isLibraryFile("types.d.ts", excludes), false);
    assert.equal(isLibraryFile("sources/env.ts", excludes), true);
    const entries = new Set(["mod.ts", "cli.ts", "extra.ts"]);
    assert.equal(isCore("manager.ts", entries), true);
    assert.equal(isCore("_internal/resolver.ts", entries), true);
    assert.equal(isCore("_internal/prompt/ask.ts", entries), false);
    assert.equal(isCore("global.ts", entries), false);
    assert.equal(isCore("extra.ts", entries), false);
    assert.equal(isCore("sources/env.ts", entries), false);
  });

  test("cliImportAllowance allows exactly cli, private, entry and publicly reached files", () => {
    const context = {
      libraryFiles: new Set([
        "mod.ts",
        "manager.ts",
        "format.ts",
        "cli/args.ts",
        "_internal/x.ts",
      ]),
      entryFiles: new Set(["mod.ts"]),
      publicReach: new Set(["mod.ts", "manager.ts", "_internal/x.ts"]),
    };
    assert.equal(cliImportAllowance("cli/args.ts", context), "cli");
    assert.equal(cliImportAllowance("_internal/x.ts", context), "private");
    assert.equal(cliImportAllowance("mod.ts", context), "entry");
    assert.equal(cliImportAllowance("manager.ts", context), "public");
    assert.equal(cliImportAllowance("format.ts", context), undefined);
    assert.equal(cliImportAllowance("tests/_helpers/t.ts", context), undefined);
  });

  test("parsePublicApi reads one set per export key and reports duplicates", () => {
    const list = parsePublicApi([
      "# Public API",
      "| `ignored` | outside any section |",
      "## `.` (mod.ts)",
      "| Symbol | Kind |",
      "|---|---|",
      "| `a` | function |",
      "### Types",
      "| Symbol | Kind |",
      "|---|---|",
      "| B | interface |",
      "| `a` | again |",
      "```md",
      "| `fenced` | not a row |",
      "```",
      "## `./cli`",
      "| Symbol |",
      "|---|",
      "| `run` |",
      "## Notes",
      "| `notes` | not listed |",
    ].join("\n"));
    assert.deepEqual(
      [...list.entries].map(([key, names]) => [key, [...names]]),
      [[".", ["a", "B"]], ["./cli", ["run"]]],
    );
    assert.equal(list.problems.length, 1);
    assert.match(list.problems[0]!.message, /`a` is listed twice under `\.`/);
  });

  test("exportsFromDoc keeps only declarationKind export", () => {
    const names = exportsFromDoc({
      version: 2,
      nodes: {
        "file:///r/mod.ts": {
          symbols: [
            { name: "a", declarations: [{ declarationKind: "export" }] },
            { name: "hidden", declarations: [{ declarationKind: "private" }] },
          ],
        },
      },
    });
    assert.deepEqual([...names.get("file:///r/mod.ts")!], ["a"]);
  });
});
