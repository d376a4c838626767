// Child process for tests/reliability/crash_test.ts. It writes forever to a
// LocalFileSource and a SqliteSource, announcing each value on stdout
// ("write <key> <n> <pad>") before it writes it and reporting "done <n>"
// after both writes returned. The test kills it with SIGKILL at random.
import process from "node:process";
import { LocalFileSource, SqliteSource } from "../../mod.ts";

const [dir, dbPath, firstText] = process.argv.slice(2);
const files = new LocalFileSource(dir!);
using db = await SqliteSource.open(dbPath);
const keys = ["K0", "K1", "K2", "K3"];

for (let n = Number(firstText);; n++) {
  const key = keys[n % keys.length]!;
  // Values of varying size, so a torn write would show as invalid JSON.
  const pad = (n * 7919) % 5000;
  console.log(`write ${key} ${n} ${pad}`);
  const value = { n, pad: "x".repeat(pad), nested: { n, list: [n, n + 1] } };
  await files.set(key, value);
  await db.set(key, value);
  console.log(`done ${n}`);
}
