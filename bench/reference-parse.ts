// parseNormalizedNamed and parseDockerRef over a fixed list of realistic references; the same list
// is timed in Go by golden/go/recorder/bench_reference_test.go (`record.sh --bench Reference`).
//   npx tsx bench/reference-parse.ts
import { parseDockerRef, parseNormalizedNamed } from "../src/go/reference.ts";
import { measure, report } from "./measure.ts";

const references = [
  "busybox",
  "busybox:1.34",
  "nginx:1.21.3-alpine",
  "ubuntu:20.04",
  "library/redis:6.2",
  "docker.io/library/alpine:3.14",
  "docker.io/calico/node:v3.20.2",
  "index.docker.io/library/postgres:13",
  "k8s.gcr.io/pause:3.5",
  "k8s.gcr.io/kube-apiserver:v1.22.2",
  "registry.k8s.io/coredns/coredns:v1.8.4",
  "gcr.io/google-containers/etcd:3.5.0-0",
  "quay.io/coreos/flannel:v0.14.0",
  "ghcr.io/fluxcd/source-controller:v0.16.0",
  "mcr.microsoft.com/dotnet/runtime:5.0",
  "localhost:5000/team/app:dev",
  "127.0.0.1:5000/test/image",
  "my-registry.example.com:443/platform/api-server/v2:release-2021.10",
  "busybox@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
  "docker.io/library/busybox:latest@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
];

report(measure("BenchmarkReferenceParseNormalizedNamed", (i) => parseNormalizedNamed(references[i % references.length]!)));
report(measure("BenchmarkReferenceParseDockerRef", (i) => parseDockerRef(references[i % references.length]!)));
