// fake-cri command line. Until the CRI server lands, `npm start` demonstrates the ported helpers.
import { familiarString, parseDockerRef, referenceString } from "./go/reference.ts";
import { buildLabels, filterLabel, getPassthroughAnnotations, makeContainerName, makeSandboxName } from "./helpers/index.ts";

const pod = { name: "nginx", namespace: "default", uid: "7c9e6679", attempt: 0 };
const lines: Array<[string, unknown]> = [
  ["makeSandboxName(pod)", makeSandboxName(pod)],
  ["makeContainerName({name: 'web', attempt: 1}, pod)", makeContainerName({ name: "web", attempt: 1 }, pod)],
  ["parseDockerRef('busybox')", referenceString(parseDockerRef("busybox"))],
  ["familiarString(parseDockerRef('docker.io/library/nginx:1.21'))", familiarString(parseDockerRef("docker.io/library/nginx:1.21"))],
  ['filterLabel("io.cri-containerd.kind", "sandbox")', filterLabel("io.cri-containerd.kind", "sandbox")],
  ["buildLabels({app: 'web'}, {app: 'img', v: '1'}, 'container')", buildLabels({ app: "web" }, { app: "img", v: "1" }, "container")],
  [
    "getPassthroughAnnotations({'io.kata.x': '1', other: '2'}, ['io.kata.*'])",
    getPassthroughAnnotations({ "io.kata.x": "1", other: "2" }, ["io.kata.*"]),
  ],
];
console.log("fake-cri: the CRI server is not built yet; here is what the ported containerd helpers answer:\n");
for (const [call, result] of lines) console.log(`  ${call}\n    -> ${JSON.stringify(result)}`);
