/**
 * A real HTTP server on 127.0.0.1 that answers every request with a 200
 * whose body never ends, for the size caps of the HTTP clients (OpenBao's,
 * the OIDC provider's): it writes as fast as the client reads, counts what
 * it sent, and tells when the client dropped the connection.
 *
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A running endless server. */
export interface EndlessServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly address: string;
  /** How many bytes it has written so far. */
  sent(): number;
  /** Resolves once a client closed its connection. */
  readonly connectionClosed: Promise<void>;
}

/** Starts the server; `await using` stops it. */
export async function startEndlessServer(): Promise<EndlessServer> {
  let sent = 0;
  let closed!: () => void;
  const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    const pump = (): void => {
      while (!response.destroyed) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once("drain", pump);
      }
    };
    response.on("close", () => closed());
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    sent: () => sent,
    connectionClosed,
    async [Symbol.asyncDispose](): Promise<void> {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
