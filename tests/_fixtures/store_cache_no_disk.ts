// Child process for tests/sources/store_cache_test.ts, run with network
// access to one OpenBao and no read, write or env permission at all, so
// any file the cache touched would throw NotCapable. It reads a key three
// times through a cached StoreSource (the last while the store answers 503,
// through a fault of its own making: a fetch that fails), and prints what
// it got as JSON.
import process from "node:process";
import { z } from "zod";
import { ConfigManager, defineConfig, StoreSource } from "../../mod.ts";
import { OpenBaoStore } from "../../stores/openbao/mod.ts";

const [address, token] = process.argv.slice(2) as [string, string];
let clock = Date.UTC(2030, 0, 1);
let down = false;
let requests = 0;
const bao = new OpenBaoStore({
  address,
  auth: { token },
  env: {},
  kvVersion: 2,
  sessionFile: false,
  now: () => clock,
  fetch: (input, init) => {
    requests++;
    return down
      ? Promise.resolve(new Response("{}", { status: 503 }))
      : fetch(input, init);
  },
});
const team = new StoreSource(bao, {
  cache: { ttlMs: 1000, maxStaleMs: 60_000 },
  now: () => clock,
});
const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string() }) });
await using manager = new ConfigManager([team]);
const hosts = [(await manager.get(Db)).host];
const afterOne = requests;
hosts.push((await manager.get(Db)).host);
const secondGet = requests - afterOne;
down = true;
clock += 5000;
hosts.push((await manager.get(Db)).host);
const stale = (await manager.explain(Db)).steps[0]?.cache?.state;
console.log(JSON.stringify({ hosts, secondGet, stale }));
