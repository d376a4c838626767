// Child process for tests/reliability/special_files_test.ts: reads what is
// at a path that is not a regular file (a FIFO, a device, a directory) in
// a process of its own, so that code which blocks on it is ended by the
// test's safety-net timeout instead of hanging the suite. It prints what
// the read threw and how much memory the process holds.
import process from "node:process";
import { LocalFileSource, SqliteSource } from "../../mod.ts";

const [mode, path, key] = process.argv.slice(2) as [string, string, string];
let thrown: { name: string; message: string } | undefined;
try {
  if (mode === "file") {
    await new LocalFileSource(path).get(key);
  } else {
    (await SqliteSource.open(path)).close();
  }
} catch (error) {
  thrown = { name: (error as Error).name, message: (error as Error).message };
}
console.log(JSON.stringify({
  thrown: thrown ?? null,
  rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
}));
