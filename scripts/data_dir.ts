/**
 * Prints Harmony's data dir, so `deno task` can grant the demos read and
 * write access to exactly that directory:
 *
 * ```sh
 * deno run --allow-env=HARMONY_DATA_DIR,XDG_DATA_HOME,HOME,APPDATA scripts/data_dir.ts
 * ```
 *
 * @module
 */
import { dataDir } from "../paths.ts";

console.log(dataDir());
