// The static pods the kubelet suite runs, one pod per behaviour a node operator checks. Probe
// periods are 1 s and scripts short so the whole run takes seconds on the fake; the same pods run
// on the reference containerd (see the README's kubelet section).

/** Seconds the kubelet gives a container between SIGTERM and SIGKILL when its liveness probe fails. */
export const gracePeriodSeconds = 3;

const busybox = "docker.io/library/busybox:1.36";
const healthyForTwoSeconds = "touch /tmp/alive; sleep 2; rm /tmp/alive; while true; do sleep 0.2; done";

/** Static pod manifests by file name (the kubelet reads JSON as well as YAML). */
export const staticPods: Record<string, object> = {
  // A server whose readiness file exists and one whose file never does: the same probe passes and fails.
  "web.json": pod("web", [
    { name: "server", command: "echo serving; touch /tmp/ready; exec sleep 3600", readinessProbe: catProbe("/tmp/ready") },
    { name: "unready", command: "exec sleep 3600", readinessProbe: catProbe("/tmp/ready") },
  ]),
  // Exits at once every time: the kubelet restarts it with its back-off (10 s, then 20 s, ...).
  "crash.json": pod("crash", [{ name: "crash", command: "echo crashing; exit 3" }]),
  // Reads /dev/zero into memory until its 32 MiB limit kills it.
  "hog.json": pod("hog", [{ name: "hog", command: "exec tail /dev/zero", limits: { memory: "32Mi" } }]),
  // Healthy for 2 s, then the liveness probe fails and the kubelet stops the container: `graceful`
  // exits 0 on SIGTERM, `stubborn` ignores it and is killed when the grace period ends.
  "liveness.json": pod("liveness", [
    { name: "graceful", command: `trap 'echo stopping; exit 0' TERM; ${healthyForTwoSeconds}`, livenessProbe: catProbe("/tmp/alive") },
    { name: "stubborn", command: `trap '' TERM; ${healthyForTwoSeconds}`, livenessProbe: catProbe("/tmp/alive") },
  ]),
};

interface Container {
  name: string;
  command: string;
  readinessProbe?: object;
  livenessProbe?: object;
  limits?: Record<string, string>;
}

function pod(name: string, containers: readonly Container[]): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      terminationGracePeriodSeconds: gracePeriodSeconds,
      containers: containers.map(({ name, command, readinessProbe, livenessProbe, limits }) => ({
        name,
        image: busybox,
        command: ["sh", "-c", command],
        ...(readinessProbe && { readinessProbe }),
        ...(livenessProbe && { livenessProbe }),
        ...(limits && { resources: { limits } }),
      })),
    },
  };
}

function catProbe(file: string): object {
  return { exec: { command: ["cat", file] }, periodSeconds: 1, failureThreshold: 1 };
}
