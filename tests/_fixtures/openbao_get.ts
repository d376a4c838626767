/**
 * Child process for the OpenBao tests: reads one key and prints it, or the
 * error's class and message. Args: address key [roleId secretId].
 * The address and the AppRole credentials come as arguments; BAO_TOKEN and
 * HARMONY_DATA_DIR come from the environment.
 *
 * @module
 */
import process from "node:process";
import { OpenBaoStore } from "../../stores/openbao/mod.ts";

const [address, key, roleId, secretId] = process.argv.slice(2);
try {
  const store = new OpenBaoStore({
    address: address!,
    ...(roleId && secretId ? { auth: { appRole: { roleId, secretId } } } : {}),
  });
  console.log((await store.get(key!)) ?? "<absent>");
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
  process.exitCode = 2;
}
