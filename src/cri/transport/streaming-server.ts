// The streaming server Exec, Attach and PortForward hand out URLs of (containerd's stream server,
// on stream_server_address:stream_server_port). Speaking the streaming protocols is a later issue;
// until then every request is answered honestly with 501 Not Implemented. Node-only (node:http),
// like grpc.ts.

import { createServer, type Server } from "node:http";

export interface StreamingServer {
  /** `http://<address>:<port>`: where the URLs the RPCs return point. */
  baseUrl: string;
  close(): Promise<void>;
}

export const notImplementedBody = "not implemented: fake-cri does not serve exec, attach or port-forward streams yet\n";

/** Listens on `address:port` (port "0" picks a free one), as containerd's stream server does. */
export async function startStreamingServer(address: string, port: string): Promise<StreamingServer> {
  const server: Server = createServer((request, response) => {
    request.resume();
    response.writeHead(501, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(notImplementedBody) });
    response.end(notImplementedBody);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : Number(port);
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    baseUrl: `http://${host}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
