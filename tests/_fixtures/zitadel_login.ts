/**
 * Child process for the Zitadel tests: runs a device login and prints the
 * ID token's expiry, or the error's class and message. Args: issuer clientId.
 *
 * @module
 */
import process from "node:process";
import { deviceLogin } from "../../stores/zitadel/mod.ts";

const [issuer, clientId] = process.argv.slice(2);
try {
  const tokens = await deviceLogin({
    issuer: issuer!,
    clientId: clientId!,
    onPrompt: () => {},
    sleep: () => Promise.resolve(),
  });
  console.log(new Date(tokens.expiresAt).toISOString());
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
  process.exitCode = 2;
}
