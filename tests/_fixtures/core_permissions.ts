// Child process for tests/permissions_test.ts: tries one operation under the
// flags it was given and prints the typed error it got, as JSON.
import { EnvSource, LocalFileSource, SqliteSource } from "../../mod.ts";

const [what, path] = Deno.args;
try {
  if (what === "sqlite") {
    using source = await SqliteSource.open(path);
    await source.set("K", 1);
    console.log(JSON.stringify({ ok: await source.get("K") }));
  } else if (what === "file-write") {
    await new LocalFileSource(path!).set("K", 1);
    console.log(JSON.stringify({ ok: true }));
  } else if (what === "env-get") {
    console.log(JSON.stringify({ ok: await new EnvSource().get("K") ?? null }));
  } else if (what === "env-keys") {
    console.log(JSON.stringify({ ok: await new EnvSource().keys() }));
  }
} catch (error) {
  const e = error as {
    name: string;
    message: string;
    flag?: string;
    source?: string;
  };
  console.log(
    JSON.stringify({
      name: e.name,
      message: e.message,
      flag: e.flag,
      source: e.source,
    }),
  );
}
