// The kubelet's error lines (as errorLines gives them) that the reference containerd causes too:
// running test/kubelet against it (the README's kubelet section) logs every one of these. None
// comes from a runtime call failing on the fake.

export const errorsTheReferenceCauses: readonly RegExp[] = [
  // The back-off of the crashing and liveness-restarted containers, as the pods ask.
  /^pod_workers\.go:\d+\] "Error syncing pod, skipping" err=".*CrashLoopBackOff/,
  // Standalone: no API server, so no node object to compare with.
  /^kubelet_nodecache\.go:\d+\] "failed to check if node is newer; using informer node"/,
  // Start-up, before the first runtime status and relist. The line names the checks not done yet:
  // both on the reference; on a loaded machine the fake's first status can come before the first
  // relist, and the line names PLEG alone (a kubelet timing, not a failed runtime call).
  /^kubelet\.go:\d+\] "Skipping pod synchronization" err="\[?(container runtime status check may not have completed yet|PLEG is not healthy: pleg has yet to be successful)/,
  // A fresh root dir: no device manager checkpoint yet.
  /^manager\.go:\d+\] "Failed to read data from checkpoint" err="checkpoint is not found"/,
  // The host, not the runtime: the kubelet runs in this machine's PID namespace and limits.
  /^container_manager_linux\.go:\d+\] "Failed to ensure process in container with oom score"/,
  /^server\.go:\d+\] "Failed to set rlimit on max file handles" err="operation not permitted"/,
  // cadvisor knows no image filesystem label for a runtime other than docker/crio.
  /^eviction_manager\.go:\d+\] "eviction manager: failed to check if we have separate container filesystem\. Ignoring\." err="no imagefs label for configured runtime"/,
  // Only the reference: containerd 1.6 lacks RuntimeConfig (the fake answers as 1.7+: the known
  // difference runtime-config-implemented), and its first image stats come before the kubelet's
  // first image GC.
  /^remote_runtime\.go:\d+\] "RuntimeConfig from runtime service failed" err="rpc error: code = Unimplemented/,
  /^kubelet\.go:\d+\] "Image garbage collection failed once\. Stats initialization may not have completed yet" err="invalid capacity 0 on image filesystem"/,
];
