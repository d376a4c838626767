/**
 * The `--help` text: every option sits in the options block, the pointer
 * to per-command help closes it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { main } from "../../cli.ts";

async function help(argv: string[]): Promise<string> {
  let out = "";
  const code = await main(argv, {
    stdout: { write: (text) => Promise.resolve(void (out += text)) },
    stderr: { write: () => Promise.resolve() },
    readStdin: () => Promise.resolve(""),
    stdoutIsTerminal: false,
    cwd: ".",
  });
  assert.equal(code, 0);
  return out;
}

describe("harmony-config --help", () => {
  it("lists -V, --version with the options and ends with the pointer to command help", async () => {
    const lines = (await help(["--help"])).trimEnd().split("\n");
    assert.equal(
      lines.at(-1),
      "Run harmony-config <command> --help for a command's options.",
    );
    const version = lines.findIndex((l) => l.trimStart().startsWith("-V"));
    const helpOption = lines.findIndex((l) => /^ {2}-h, --help/.test(l));
    const chain = lines.findIndex((l) => l.startsWith("Chain:"));
    assert.ok(version > helpOption && version < chain, lines.join("\n"));
  });

  it("gives each command's help without the program's -V line", async () => {
    const text = await help(["unset", "--help"]);
    assert.match(text, /^Usage: harmony-config unset KEY/);
    assert.doesNotMatch(text, /--version/);
    assert.match(text, /marks as not valid/);
  });
});
