// The streaming conversations recorded from containerd 1.6.20 (record.ts) and replayed against the
// fake (replay.test.ts): each sets up a pod through the CRI, asks for a URL, and plays a client
// script against it (exchange.ts). The scripts send what client-go's SPDY and WebSocket clients
// send (one stream per channel, marked by streamType; port-forward's data and error pair), and a
// few things no client should.

import type { CriV1Client } from "../../src/cri/transport/grpc.ts";
import type { ClientStep } from "./exchange.ts";

/** The CRI calls a scenario makes: the fake's in-process clients and a gRPC client both fit. */
export type Cri = Pick<CriV1Client, "runtime" | "image">;

export interface StreamScenario {
  name: string;
  description: string;
  /** Creates what the conversation needs; the URL to connect to. */
  setup(cri: Cri, logDirectory: string): Promise<string>;
  /** Waits this long (on the fake: advances its clock) before connecting: an expired token. */
  waitMs?: number;
  steps: ClientStep[];
}

const busybox = "docker.io/library/busybox:1.36";

async function pod(cri: Cri, logDirectory: string): Promise<string> {
  await cri.image.pullImage({ image: { image: busybox } });
  const config = { metadata: { name: "streams", namespace: "golden", uid: "streams-uid" }, logDirectory, linux: {} };
  return (await cri.runtime.runPodSandbox({ config })).podSandboxId;
}

async function container(cri: Cri, logDirectory: string, name: string, config: { command: string[]; stdin?: boolean; stdinOnce?: boolean }): Promise<string> {
  const podSandboxId = await pod(cri, logDirectory);
  const sandboxConfig = { metadata: { name: "streams", namespace: "golden", uid: "streams-uid" }, logDirectory, linux: {} };
  const { containerId } = await cri.runtime.createContainer({
    podSandboxId,
    sandboxConfig,
    config: { metadata: { name }, image: { image: busybox }, logPath: `${name}.log`, linux: {}, ...config },
  });
  await cri.runtime.startContainer({ containerId });
  return containerId;
}

const sleeper = (cri: Cri, logs: string) => container(cri, logs, "sleeper", { command: ["sleep", "infinity"] });

/** What client-go's SPDY executor sends to open an exec or attach (it offers v4 down to v1). */
const spdyUpgrade = (protocols = "v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io"): ClientStep => ({
  http: { method: "POST", headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": protocols, "Content-Length": "0" } },
});

const stream = (streamId: number, streamType: string): ClientStep => ({ synStream: { streamId, headers: { streamType } } });

const wsUpgrade = (protocols: string): ClientStep => ({
  http: {
    headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Key": "ZmFrZS1jcmktZ29sZGVuIQ==", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": protocols },
  },
});

export const scenarios: StreamScenario[] = [
  {
    name: "exec-spdy-output-and-success",
    description: "an exec of echo over SPDY v4: replies, stdout, the stdout FIN, the Success status, resets, GOAWAY",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["echo", "hello"], stdout: true, stderr: true })).url,
    steps: [spdyUpgrade(), stream(1, "error"), stream(3, "stdout"), stream(5, "stderr")],
  },
  {
    name: "exec-spdy-exit-code",
    description: "an exec that writes to stdout and stderr and exits 3: the NonZeroExitCode status",
    setup: async (cri, logs) =>
      (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"], stdout: true, stderr: true })).url,
    steps: [spdyUpgrade(), stream(1, "error"), stream(3, "stdout"), stream(5, "stderr")],
  },
  {
    name: "exec-spdy-stdin",
    description: "cat with stdin: what the client writes comes back; its FIN ends cat",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["cat"], stdin: true, stdout: true, stderr: true })).url,
    steps: [
      spdyUpgrade(),
      stream(1, "error"),
      stream(3, "stdin"),
      stream(5, "stdout"),
      stream(7, "stderr"),
      { waitFor: { events: 5 } },
      { data: { streamId: 3, text: "hello\n", fin: true } },
    ],
  },
  {
    name: "exec-spdy-tty",
    description: "an exec with a terminal and a resize stream: output with CR LF",
    setup: async (cri, logs) =>
      (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["echo", "hi"], stdin: true, stdout: true, tty: true })).url,
    steps: [
      spdyUpgrade(),
      stream(1, "error"),
      stream(3, "stdin"),
      stream(5, "stdout"),
      stream(7, "resize"),
      { data: { streamId: 7, text: '{"Width":100,"Height":30}' } },
    ],
  },
  {
    name: "attach-spdy-shell",
    description: "attach to a shell started with stdin: a command in, its output out; closing stdin ends the shell and the attach",
    setup: async (cri, logs) =>
      (await cri.runtime.attach({ containerId: await container(cri, logs, "shell", { command: ["/bin/sh"], stdin: true, stdinOnce: true }), stdin: true, stdout: true, stderr: true }))
        .url,
    steps: [
      spdyUpgrade(),
      stream(1, "error"),
      stream(3, "stdin"),
      stream(5, "stdout"),
      stream(7, "stderr"),
      { waitFor: { events: 5 } },
      { data: { streamId: 3, text: "echo hello\n" } },
      { waitFor: { events: 6 } },
      { data: { streamId: 3, text: "", fin: true } },
    ],
  },
  {
    name: "token-unknown",
    description: "a token the server never gave out",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["true"], stdout: true })).url.replace(/[^/]+$/, "notatokn"),
    steps: [spdyUpgrade()],
  },
  {
    name: "token-expired",
    description: "a token used after its minute",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["true"], stdout: true })).url,
    waitMs: 61_000,
    steps: [spdyUpgrade()],
  },
  {
    name: "path-unknown",
    description: "paths and methods the router has no route for",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["true"], stdout: true })).url.replace(/\/exec\/.*$/, "/exec/a/b"),
    steps: [{ http: { headers: {} } }],
  },
  {
    name: "upgrade-without-protocol",
    description: "an upgrade without X-Stream-Protocol-Version (the token is spent all the same)",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["true"], stdout: true })).url,
    steps: [{ http: { method: "POST", headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "Content-Length": "0" } } }],
  },
  {
    name: "upgrade-unknown-protocol",
    description: "an upgrade naming only protocols the server does not speak",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["true"], stdout: true })).url,
    steps: [spdyUpgrade("v9.channel.k8s.io, example.com")],
  },
  {
    name: "upgrade-missing-headers",
    description: "a protocol but no Upgrade header: the request's headers in the error",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["true"], stdout: true })).url,
    steps: [{ http: { method: "POST", headers: { "X-Stream-Protocol-Version": "v4.channel.k8s.io", "Content-Length": "0", "User-Agent": "golden" } } }],
  },
  {
    name: "portforward-spdy-closed-port",
    description: "port-forward to a port nothing listens on: the error on the error stream, both streams closed",
    setup: async (cri, logs) => (await cri.runtime.portForward({ podSandboxId: await pod(cri, logs) })).url,
    steps: [
      { http: { method: "POST", headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "portforward.k8s.io", "Content-Length": "0" } } },
      { synStream: { streamId: 1, headers: { streamType: "error", port: "8081", requestID: "0" } } },
      { synStream: { streamId: 3, headers: { streamType: "data", port: "8081", requestID: "0" } } },
      { waitFor: { events: 6 } },
      { goAway: { lastGoodStreamId: 0 } },
    ],
  },
  {
    name: "portforward-spdy-bad-streams",
    description: "port-forward streams without a port, with port 0, of an unknown type: each refused",
    setup: async (cri, logs) => (await cri.runtime.portForward({ podSandboxId: await pod(cri, logs) })).url,
    steps: [
      { http: { method: "POST", headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "portforward.k8s.io", "Content-Length": "0" } } },
      { synStream: { streamId: 1, headers: { streamType: "error", requestID: "0" } } },
      { synStream: { streamId: 3, headers: { streamType: "data", port: "0", requestID: "1" } } },
      { synStream: { streamId: 5, headers: { streamType: "other", port: "80", requestID: "2" } } },
      { synStream: { streamId: 7, headers: { streamType: "data", port: "http", requestID: "3" } } },
      { waitFor: { events: 5 } },
      { goAway: { lastGoodStreamId: 0 } },
    ],
  },
  {
    name: "exec-websocket-v4",
    description: "an exec over WebSocket, v4.channel.k8s.io: the empty message, stdout, the status on channel 3, the close",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["sh", "-c", "echo hi; exit 2"], stdout: true, stderr: true })).url,
    steps: [wsUpgrade("v4.channel.k8s.io")],
  },
  {
    name: "exec-websocket-v5-only",
    description: "what crictl 1.37 offers for exec over WebSocket: v5.channel.k8s.io alone",
    setup: async (cri, logs) => (await cri.runtime.exec({ containerId: await sleeper(cri, logs), cmd: ["echo", "hi"], stdout: true, stderr: true })).url,
    steps: [wsUpgrade("v5.channel.k8s.io")],
  },
  {
    name: "portforward-websocket-tunnel",
    description: "what crictl 1.37 offers for port-forward over WebSocket: SPDY tunnelled, SPDY/3.1+portforward.k8s.io",
    setup: async (cri, logs) => (await cri.runtime.portForward({ podSandboxId: await pod(cri, logs) })).url,
    steps: [wsUpgrade("SPDY/3.1+portforward.k8s.io")],
  },
];
