// `fake-cri serve`: a fake node (fake-containerd and its files in memory) with the CRI plugin over
// gRPC until SIGINT/SIGTERM, so crictl or a kubelet can be pointed at it. Node-only.
//
// The host is not the fake's: requests reach real files only under the data dir and the host roots
// the operator allows (--allow-host-root), where a container's log is written for crictl or a
// kubelet to read, and a kubelet's volumes are read and written through hostPath mounts. Everything
// else of the node lives in memory; with --state it is kept crash-safe (node-store.ts).

import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RealClock } from "../../fake-containerd/index.ts";
import { defaultCriConfig, parseCriConfig, type CriConfig } from "../cri/config.ts";
import { parseEndpoint } from "../cri/transport/grpc.ts";
import { exposeNodePorts } from "../cri/transport/node-ports.ts";
import { startStreamingServer, streamingServerSettings } from "../cri/transport/streaming-server.ts";
import { defaultContainerdVersion, profileOf } from "../cri/versions/index.ts";
import { createFakeCri, type FakeCri } from "../harness/index.ts";
import { MemoryHostFs } from "../node/host-fs.ts";
import { HostNodeFiles, realHostRoots } from "../node/node-files-disk.ts";
import { containerdFlag } from "./containerd-flag.ts";
import { defaultListen } from "./default-listen.ts";
import { pushImageArchives, readImageArchive } from "./image-archives.ts";
import { NodeStore } from "./node-store.ts";
import { logEveryCall } from "./verbose.ts";

export const serveUsage = `usage: fake-cri serve [--containerd 2.4|1.6] [--listen unix:///path | tcp://127.0.0.1:PORT]
                      [--config config.toml] [--state state.json] [--data-dir DIR] [--allow-host-root DIR ...]
                      [--seed N] [--image ARCHIVE ...] [--strict-images] [--verbose]
                      [--allow-non-loopback]

  --containerd          the containerd version to answer as: 2.4 (containerd 2.4.2, the default) or 1.6 (1.6.20)
  --listen              where to serve CRI (default: unix://$XDG_RUNTIME_DIR/fake-cri/fake-cri.sock, or
                        unix:///tmp/fake-cri/fake-cri.sock without XDG_RUNTIME_DIR); v1, and v1alpha2 under 1.6
  --config              containerd's config.toml (the CRI plugins' tables are read; version 1 or 2, and 3 or 4
                        under 2.4)
  --state               keep the fake node in this file (and FILE.journal, FILE.lock): loaded if it exists;
                        every change a call makes is written before the call is answered
  --data-dir            a directory of real files the fake may write, e.g. pods' log directories (default:
                        a temporary dir, removed on exit; with --state, <state>.d, kept)
  --allow-host-root     one more host directory requests may name (a kubelet's /var/log/pods and
                        /var/lib/kubelet/pods): logs are written, hostPath mounts read and written there;
                        /proc/sysvipc and /proc/net: host-IPC and host-network containers see this
                        machine's System V IPC objects and sockets
  --seed                seeded container, sandbox and exec IDs (the clock stays real time)
  --image               an OCI image archive (tar or tar.gz, as ctr images export writes it) or OCI layout
                        directory whose images the fake's registry serves; repeatable
  --strict-images       PullImage fails for images the registry lacks (see --image), instead of making one up
  --verbose             one line on stderr per CRI call: method, API version, duration, status code
  --allow-non-loopback  serve on a TCP address other than loopback (anyone who reaches it may run any CRI call)
`;

/** Whether a TCP host is a loopback address: 127.0.0.0/8, ::1 or localhost. */
function isLoopback(host: string): boolean {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  return bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** The --config file's text; a file that cannot be read is named in the error. */
function readConfigFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`--config ${path}: ${code === "ENOENT" ? "no such file or directory" : (err as Error).message}`);
  }
}

/**
 * The files the operator's config names (each runtime's base spec, the CNI config template), read
 * into the node's memory at start, where the plugin reads them: containerd too reads base specs
 * once, at start. A file that is not there stays missing, and fails where containerd's would.
 */
async function loadConfigFiles(config: CriConfig, node: MemoryHostFs): Promise<void> {
  const paths = [...Object.values(config.containerd.runtimes).map((r) => r.baseRuntimeSpec), config.cni.networkPluginConfTemplate];
  for (const path of new Set(paths.filter((p) => p !== ""))) {
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes === undefined) continue;
    node.mkdirAll(dirname(resolve(path)));
    node.writeFile(resolve(path), new Uint8Array(bytes));
  }
}

export async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      containerd: { type: "string" },
      listen: { type: "string" },
      config: { type: "string" },
      state: { type: "string" },
      "data-dir": { type: "string" },
      "allow-host-root": { type: "string", multiple: true },
      seed: { type: "string" },
      image: { type: "string", multiple: true },
      "strict-images": { type: "boolean" },
      verbose: { type: "boolean" },
      "allow-non-loopback": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(serveUsage);
    return;
  }
  if (values.seed !== undefined && !/^-?\d+$/.test(values.seed)) throw new Error(`--seed: not an integer: ${values.seed}`);
  const listen = values.listen ?? defaultListen();
  const endpoint = parseEndpoint(listen);
  if (endpoint.kind === "tcp" && !isLoopback(endpoint.host)) {
    if (!values["allow-non-loopback"]) {
      throw new Error(
        `--listen ${listen}: not a loopback address; anyone who reaches it could run any CRI call and write the allowed host roots. ` +
          "Pass --allow-non-loopback to serve there anyway",
      );
    }
    process.stderr.write(`fake-cri: warning: serving on ${listen}, beyond loopback: anyone who reaches it can run any CRI call\n`);
  }
  const containerd = containerdFlag(values.containerd) ?? defaultContainerdVersion;
  const profile = profileOf(containerd);
  const configPath = values.config === undefined ? undefined : resolve(values.config);
  const config = configPath
    ? parseCriConfig(readConfigFile(configPath), { path: configPath, defaults: profile.defaultConfigChanges, maxVersion: profile.configVersion })
    : defaultCriConfig(profile.defaultConfigChanges);
  const archives = await Promise.all((values.image ?? []).map((path) => readImageArchive(resolve(path))));
  const statePath = values.state === undefined ? undefined : resolve(values.state);

  // What this start makes on the host, undone if it fails before serving.
  const undo: Array<() => Promise<unknown>> = [];
  try {
    const madeStateDir = statePath ? await mkdir(dirname(statePath), { recursive: true }) : undefined;
    if (madeStateDir) undo.push(() => rm(madeStateDir, { recursive: true, force: true }));
    const opened = statePath ? await NodeStore.open(statePath) : undefined;
    const store = opened?.store;
    if (store) undo.push(() => store.abandon());
    const state = opened?.loaded.state;
    if (opened?.loaded.crashed) {
      process.stderr.write(`fake-cri: ${statePath} was left by a server that did not stop cleanly: its containers' processes ended with it\n`);
    }
    const temporaryData = values["data-dir"] === undefined && statePath === undefined;
    const dataDir = values["data-dir"] ? resolve(values["data-dir"]) : statePath ? `${statePath}.d` : await mkdtemp(join(tmpdir(), "fake-cri-"));
    if (temporaryData) undo.push(() => rm(dataDir, { recursive: true, force: true }));
    else if (!existsSync(dataDir)) {
      await mkdir(dataDir, { recursive: true });
      undo.push(() => rm(dataDir, { recursive: true, force: true }));
    }
    const hostRoots = await realHostRoots([dataDir, ...(values["allow-host-root"] ?? []).map((dir) => resolve(dir))]);

    const hostFs = state?.hostFs ? MemoryHostFs.fromState(state.hostFs) : new MemoryHostFs();
    await loadConfigFiles(config, hostFs);
    const nodeFiles = new HostNodeFiles({ memory: hostFs, memoryDirs: [config.rootDir, config.stateDir], hostRoots });
    // The image filesystem ImageFsInfo names is a real directory: a kubelet reads its figures
    // (statfs) and logs an error every sync while it is missing. containerd's own path is not ours.
    const imageFsPath = join(dataDir, `io.containerd.snapshotter.v1.${config.containerd.snapshotter}`);
    await mkdir(join(imageFsPath, "snapshots"), { recursive: true, mode: 0o700 });

    // containerd starts its stream server with the plugin; its URLs name the port it got.
    let served: FakeCri | undefined;
    const streaming = await startStreamingServer({ ...(await streamingServerSettings(config)), service: () => served!.service });
    undo.push(() => streaming.close());
    const fake = await createFakeCri({
      containerd,
      config,
      hostFs,
      nodeFiles,
      clock: new RealClock(),
      ...(values.seed !== undefined ? { seed: BigInt(values.seed) } : {}),
      ...(state ? { state } : {}),
      strictImages: values["strict-images"] ?? false,
      streamBaseUrl: streaming.baseUrl,
      imageFsPath,
      recordCalls: false,
      ...(store ? { commit: () => store.durable() } : {}),
    });
    served = fake;
    undo.push(() => fake.close());
    if (values.verbose) logEveryCall(fake.calls, (line) => process.stderr.write(line));
    await pushImageArchives(fake.containerd, archives);
    await store?.attach({ containerd: fake.containerd, hostFs, saveState: () => fake.saveState() });
    const nodePorts = exposeNodePorts(fake.containerd.network, () => fake.service, (message) => process.stderr.write(`fake-cri: ${message}\n`));
    undo.push(() => nodePorts.close());
    const server = await fake.serve(listen);

    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`fake-cri: ${signal}, shutting down\n`);
      await server.close();
      await streaming.close();
      await nodePorts.close();
      const saved = fake.saveState();
      await fake.close();
      await store?.close(saved);
      if (temporaryData) await rm(dataDir, { recursive: true, force: true });
      process.exit(0);
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
    // Printed once a signal can stop it cleanly: whoever reads the endpoint may signal at once.
    process.stdout.write(`${server.endpoint}\n`);
    process.stderr.write(
      `fake-cri: serving CRI as containerd ${profile.runtimeVersion} (${profile.servesV1alpha2 ? "v1, v1alpha2" : "v1"}) on ${server.endpoint}; ` +
        `streaming server ${streaming.baseUrl}; ` +
        `host files under ${hostRoots.join(", ")}\n`,
    );
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}
