// A kubelet run standalone by scripts/kubelet-standalone.sh against a CRI endpoint, seen as a node
// operator sees it: its pods' statuses and container logs from its own server (127.0.0.1:20250),
// its health, and the errors in its log.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { repoRoot } from "../fake-cri-process.ts";

export const kubeletVersion = "v1.37.2";
export const kubeletBinary = join(repoRoot, ".cache/bin", `kubelet-${kubeletVersion}`);
export const nodeName = "fake-cri-node";

/** Why the suite cannot run here, or undefined when it can. */
export function whyNotRunnable(): string | undefined {
  if (process.getuid?.() !== 0) return "the kubelet needs root (it mounts volumes and sets host sysctls)";
  if (!existsSync(kubeletBinary)) return `no kubelet at ${kubeletBinary}: build it with scripts/kubelet.sh (about 10 minutes, once)`;
  return undefined;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
  state: { running?: { startedAt: string }; waiting?: { reason: string; message?: string }; terminated?: Terminated };
  lastState: { terminated?: Terminated };
}

export interface Terminated {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

export interface PodStatus {
  phase: string;
  startTime?: string;
  containerStatuses?: ContainerStatus[];
}

export class Kubelet {
  private readonly script: ChildProcess;
  readonly endpoint: string;
  readonly dir: string;
  /** Where this run's lines begin in kubelet.log. */
  private readonly logStart: number;

  private constructor(script: ChildProcess, endpoint: string, dir: string, logStart: number) {
    this.script = script;
    this.endpoint = endpoint;
    this.dir = dir;
    this.logStart = logStart;
  }

  /** Starts the kubelet on `endpoint` with the manifests in `dir`/manifests; resolves once it is healthy. */
  static async start(endpoint: string, dir: string): Promise<Kubelet> {
    const logFile = join(dir, "kubelet.log");
    const logStart = existsSync(logFile) ? readFileSync(logFile).length : 0;
    const script = spawn("bash", [join(repoRoot, "scripts/kubelet-standalone.sh"), "--endpoint", endpoint, "--dir", dir, "--name", nodeName], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const kubelet = new Kubelet(script, endpoint, dir, logStart);
    await kubelet.until("the kubelet is healthy", async () => ((await get("http", 20248, "/healthz")) === "ok" ? true : undefined), 60);
    return kubelet;
  }

  /** Stops the kubelet (what it started keeps running) and waits for the host to be put back. */
  stop(): Promise<number | null> {
    if (this.script.exitCode !== null) return Promise.resolve(this.script.exitCode);
    return new Promise((resolve) => {
      this.script.once("exit", (code) => resolve(code));
      this.script.kill("SIGTERM");
    });
  }

  async pod(name: string): Promise<PodStatus | undefined> {
    const list = JSON.parse(await get("https", 20250, "/pods")) as { items: { metadata: { name: string }; status: PodStatus }[] };
    return list.items.find((p) => p.metadata.name === `${name}-${nodeName}`)?.status;
  }

  async container(pod: string, name: string): Promise<ContainerStatus | undefined> {
    return (await this.pod(pod))?.containerStatuses?.find((c) => c.name === name);
  }

  /** What `kubectl logs` shows: the kubelet reads the runtime's log file of the container. */
  logs(pod: string, container: string, previous = false): Promise<string> {
    return get("https", 20250, `/containerLogs/default/${pod}-${nodeName}/${container}${previous ? "?previous=true" : ""}`);
  }

  /** This run's log (the file holds earlier runs' logs too). */
  log(): string {
    return readFileSync(join(this.dir, "kubelet.log")).subarray(this.logStart).toString();
  }

  /** Polls `check` every 250 ms until it returns a value; fails after `seconds`. */
  async until<T>(what: string, check: () => Promise<T | undefined>, seconds: number): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    let last: unknown;
    for (;;) {
      if (this.script.exitCode !== null) throw new Error(`${what}: the kubelet exited (${this.script.exitCode}); its log is ${this.dir}/kubelet.log`);
      try {
        const found = await check();
        if (found !== undefined) return found;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s${last ? ` (last error: ${String(last)})` : ""}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The kubelet's error lines (klog's `E` level) as `file.go:line] message`, without time and pid. */
export function errorLines(log: string): string[] {
  return [...log.matchAll(/^E\d{4} [\d:.]+ +\d+ (\S+\] .*)$/gm)].map((m) => m[1]!);
}

/** When the kubelet logged `message` about the container with `containerID` (klog prints no year: this one's is assumed). */
export function loggedAt(log: string, message: string, containerID: string): Date | undefined {
  const line = log.split("\n").find((l) => l.includes(message) && l.includes(containerID));
  const m = line?.match(/^[IEW](\d\d)(\d\d) ([\d:.]+)/);
  return m ? new Date(`${new Date().getUTCFullYear()}-${m[1]}-${m[2]}T${m[3]}Z`) : undefined;
}

/** GET from the kubelet's healthz (http) or its server (https, a self-signed certificate, anonymous access). */
function get(scheme: "http" | "https", port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = scheme === "https" ? httpsRequest : httpRequest;
    const req = request({ host: "127.0.0.1", port, path, rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.end();
  });
}
