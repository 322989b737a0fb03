// What a container sees of the node by its pod's namespace options, beyond signals.ts's process
// table: `pidof` and /proc/<pid>/cmdline across PID namespaces (the host's sees every container's
// process by its host PID; a pod's has pause as PID 1 and its containers; a container's own only
// itself), the System V IPC tables of a pod's IPC namespace, and the socket tables and `netstat -ln`
// of a pod's network namespace. Host PIDs differ from run to run and the reference host runs other
// processes, so what a host-PID container sees is reduced to the scenario's own command lines.
// Self-contained: every config is built here.

import type * as v1 from "../../../src/cri/api/v1.ts";
import { NamespaceMode } from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario, type ScenarioBuilder } from "../scenario.ts";

const busybox = "docker.io/library/busybox:1.36";

type PidMode = "container" | "pod" | "node";
const pidModes: Record<PidMode, NamespaceMode> = { container: NamespaceMode.CONTAINER, pod: NamespaceMode.POD, node: NamespaceMode.NODE };

function linux(mode: PidMode): { securityContext: { namespaceOptions: { pid: NamespaceMode; ipc: NamespaceMode } } } {
  return { securityContext: { namespaceOptions: { pid: pidModes[mode], ipc: NamespaceMode.POD } } };
}

function pod(mode: PidMode): v1.DeepPartial<v1.PodSandboxConfig> {
  return { metadata: { name: `ns-${mode}`, namespace: "golden", uid: `ns-${mode}-uid`, attempt: 0 }, hostname: `ns-${mode}`, logDirectory: `$logRoot/ns-${mode}`, linux: linux(mode) };
}

/** Creates and starts `command` in the pod of `mode`, saved as `save`. */
function run(s: ScenarioBuilder, mode: PidMode, save: string, command: readonly string[]): void {
  const config: v1.DeepPartial<v1.ContainerConfig> = { metadata: { name: save, attempt: 0 }, image: { image: busybox }, command: [...command], logPath: `${save}.log`, linux: linux(mode) };
  s.runtime.createContainer({ podSandboxId: `$ns${mode}.podSandboxId`, config, sandboxConfig: pod(mode) }, { save });
  s.runtime.startContainer({ containerId: `$${save}.containerId` });
}

function execSync(s: ScenarioBuilder, save: string, cmd: readonly string[]): void {
  s.runtime.execSync({ containerId: `$${save}.containerId`, cmd: [...cmd], timeout: 10n });
}

const sh = (script: string): string[] => ["sh", "-c", script];
/** The command lines of the processes `pidof NAME` finds, one a line, sorted. */
const commandLinesOf = (name: string) => `for p in $(pidof ${name}); do { tr '\\0' ' ' < /proc/$p/cmdline; echo; } 2>/dev/null; done | sort`;

export const namespaces: Scenario[] = [
  defineScenario("namespaces-pid-visibility", "pidof and /proc/<pid>/cmdline by PID namespace: the host's sees every container's process, a pod's pause (PID 1) and its containers, a container's own only itself", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    for (const mode of ["node", "pod", "container"] as const) s.runtime.runPodSandbox({ config: pod(mode) }, { save: `ns${mode}` });
    run(s, "node", "node1", ["sleep", "4242"]);
    run(s, "node", "node2", ["sleep", "600"]);
    run(s, "pod", "pod1", ["sleep", "4243"]);
    run(s, "pod", "pod2", ["sleep", "601"]);
    run(s, "container", "ctr1", ["sleep", "4244"]);
    s.sleep(500);
    execSync(s, "node2", sh(`${commandLinesOf("sleep")} | grep -E '^sleep (4242|4243|4244) $'`));
    execSync(s, "node2", sh("ps -o args | grep -c 'sleep 424[234]'"));
    execSync(s, "node2", sh("pidof no-such-program; echo $?"));
    execSync(s, "pod2", sh("tr '\\0' ' ' < /proc/1/cmdline; echo"));
    execSync(s, "pod2", ["pidof", "pause"]);
    execSync(s, "pod2", sh("pidof sleep | wc -w"));
    execSync(s, "pod2", sh(commandLinesOf("sleep")));
    execSync(s, "ctr1", sh("tr '\\0' ' ' < /proc/1/cmdline; echo"));
    execSync(s, "ctr1", ["pidof", "sleep"]);
    execSync(s, "ctr1", sh("pidof pause; echo $?"));
  }),

  defineScenario("namespaces-ipc-and-network", "a pod's IPC namespace has no System V object (/proc/sysvipc); its network namespace no listening socket (/proc/net, netstat -ln)", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    s.runtime.runPodSandbox({ config: pod("pod") }, { save: "nspod" });
    run(s, "pod", "app", ["sleep", "600"]);
    for (const table of ["shm", "msg", "sem"]) execSync(s, "app", ["cat", `/proc/sysvipc/${table}`]);
    for (const table of ["tcp", "tcp6", "udp", "unix"]) execSync(s, "app", ["cat", `/proc/net/${table}`]);
    execSync(s, "app", ["netstat", "-ln"]);
    execSync(s, "app", ["netstat", "-lnt"]);
  }),
];
