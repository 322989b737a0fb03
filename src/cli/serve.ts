// `fake-cri serve`: a fake node (fake-containerd, real files under a data dir) with the CRI plugin
// over gRPC until SIGINT/SIGTERM, so crictl or a kubelet can be pointed at it. Node-only.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RealClock } from "../../fake-containerd/index.ts";
import { criPluginUri, defaultCriConfig, parseCriConfig, type CriConfig } from "../cri/config.ts";
import { exposeNodePorts } from "../cri/transport/node-ports.ts";
import { startStreamingServer, streamingServerSettings } from "../cri/transport/streaming-server.ts";
import { defaultContainerdVersion, profileOf } from "../cri/versions/index.ts";
import { createFakeCri, type FakeCri } from "../harness/index.ts";
import { NodeHostFs } from "../node/host-fs-node.ts";
import { containerdFlag } from "./containerd-flag.ts";
import { pushImageArchives, readImageArchive } from "./image-archives.ts";
import { loadState, saveState } from "./state-file.ts";
import { logEveryCall } from "./verbose.ts";

export const serveUsage = `usage: fake-cri serve [--containerd 2.4|1.6] [--listen unix:///path | tcp://127.0.0.1:PORT]
                      [--config config.toml] [--state state.json] [--data-dir DIR] [--seed N]
                      [--image ARCHIVE ...] [--strict-images] [--verbose]

  --containerd     the containerd version to answer as: 2.4 (containerd 2.4.2, the default) or 1.6 (1.6.20)
  --listen         where to serve CRI (default: unix://$XDG_RUNTIME_DIR/fake-cri/fake-cri.sock, or
                   unix:///tmp/fake-cri/fake-cri.sock without XDG_RUNTIME_DIR); v1, and v1alpha2 under 1.6
  --config         containerd's config.toml (the CRI plugins' tables are read; version 1 or 2, and 3 or 4
                   under 2.4)
  --state          load the fake node from this file if it exists, save it there on exit
  --data-dir       the node's files: the plugin's root and state dirs (default: a temporary dir,
                   removed on exit; with --state, <state>.d, kept)
  --seed           seeded container, sandbox and exec IDs (the clock stays real time)
  --image          an OCI image archive (tar or tar.gz, as ctr images export writes it) or OCI layout
                   directory whose images the fake's registry serves; repeatable
  --strict-images  PullImage fails for images the registry lacks (see --image), instead of making one up
  --verbose        one line on stderr per CRI call: method, API version, duration, status code
`;

/** Where `serve` listens unless told: a per-user runtime dir when there is one, else /tmp. */
export function defaultListen(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : "/tmp";
  return `unix://${join(base, "fake-cri", "fake-cri.sock")}`;
}

/**
 * The config with the plugin's dirs, and the pods' network namespace files, moved under `dataDir`:
 * containerd's defaults would need root and would litter the host's /var/run/netns.
 */
function withDataDir(config: CriConfig, dataDir: string): CriConfig {
  const root = join(dataDir, "root");
  return {
    ...config,
    containerdRootDir: root,
    rootDir: join(root, criPluginUri),
    stateDir: join(dataDir, "state", criPluginUri),
    netnsMountsUnderStateDir: true,
  };
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

export async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      containerd: { type: "string" },
      listen: { type: "string" },
      config: { type: "string" },
      state: { type: "string" },
      "data-dir": { type: "string" },
      seed: { type: "string" },
      image: { type: "string", multiple: true },
      "strict-images": { type: "boolean" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(serveUsage);
    return;
  }
  const containerd = containerdFlag(values.containerd) ?? defaultContainerdVersion;
  const profile = profileOf(containerd);
  const configPath = values.config === undefined ? undefined : resolve(values.config);
  const parsed = configPath
    ? parseCriConfig(readConfigFile(configPath), { path: configPath, defaults: profile.defaultConfigChanges, maxVersion: profile.configVersion })
    : defaultCriConfig(profile.defaultConfigChanges);
  const archives = await Promise.all((values.image ?? []).map((path) => readImageArchive(resolve(path))));
  const statePath = values.state === undefined ? undefined : resolve(values.state);
  const temporaryData = values["data-dir"] === undefined && statePath === undefined;
  const dataDir = values["data-dir"]
    ? resolve(values["data-dir"])
    : statePath
      ? `${statePath}.d`
      : mkdtempSync(join(tmpdir(), "fake-cri-"));
  mkdirSync(dataDir, { recursive: true });
  const config = withDataDir(parsed, dataDir);
  if (values.seed !== undefined && !/^-?\d+$/.test(values.seed)) throw new Error(`--seed: not an integer: ${values.seed}`);
  const state = statePath ? loadState(statePath) : undefined;

  // containerd starts its stream server with the plugin; its URLs name the port it got.
  let fake: FakeCri | undefined;
  const streaming = await startStreamingServer({ ...(await streamingServerSettings(config)), service: () => fake!.service });
  fake = await createFakeCri({
    containerd,
    config,
    hostFs: new NodeHostFs(),
    clock: new RealClock(),
    ...(values.seed !== undefined ? { seed: BigInt(values.seed) } : {}),
    ...(state ? { state } : {}),
    strictImages: values["strict-images"] ?? false,
    streamBaseUrl: streaming.baseUrl,
    recordCalls: false,
  });
  if (values.verbose) logEveryCall(fake.calls, (line) => process.stderr.write(line));
  await pushImageArchives(fake.containerd, archives);
  const nodePorts = exposeNodePorts(fake.containerd.network, () => fake!.service, (message) => process.stderr.write(`fake-cri: ${message}\n`));
  const listen = values.listen ?? defaultListen();
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
    if (statePath) {
      mkdirSync(dirname(statePath), { recursive: true });
      saveState(statePath, saved);
    }
    if (temporaryData) rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  // Printed once a signal can stop it cleanly: whoever reads the endpoint may signal at once.
  process.stdout.write(`${server.endpoint}\n`);
  process.stderr.write(
    `fake-cri: serving CRI as containerd ${profile.runtimeVersion} (${profile.servesV1alpha2 ? "v1, v1alpha2" : "v1"}) on ${server.endpoint}; streaming server ${streaming.baseUrl}; data in ${dataDir}\n`,
  );
}
