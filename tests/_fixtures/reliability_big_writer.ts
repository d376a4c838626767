// Child process for tests/reliability/crash_test.ts: writes a large value
// to one key of a LocalFileSource forever, so that at most moments its
// temp file exists; the test kills it with SIGKILL while one does.
import process from "node:process";
import { LocalFileSource } from "../../mod.ts";

const [dir, key] = process.argv.slice(2) as [string, string];
const files = new LocalFileSource(dir);
const pad = "s".repeat(8 * 1024 * 1024);
console.log("started");
for (let n = 0;; n++) await files.set(key, { n, pad });
