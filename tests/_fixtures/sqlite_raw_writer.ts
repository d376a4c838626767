// Child process for the SQLite watch and cache tests: writes the config
// table with plain SQL, as the Rust crate (or the sqlite3 shell) would, no
// library code. Arguments: <db> <statement> <params as JSON array>.
import { DatabaseSync } from "node:sqlite";
import process from "node:process";

const [path, sql, params] = process.argv.slice(2) as [string, string, string];
const db = new DatabaseSync(path);
db.exec("PRAGMA busy_timeout = 10000");
for (const statement of sql.split(";").map((s) => s.trim()).filter(Boolean)) {
  const values = statement.includes("?") ? JSON.parse(params) : [];
  db.prepare(statement).run(...values);
}
db.close();
