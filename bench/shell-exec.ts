// ExecSync of a shell script in-process: `sh -c 'for i in 1 2 3; do echo $i; done | wc -l'` in a
// running busybox container, through the CRI facade and fake-containerd to the ash emulation and
// back. The first call (cold: the script is parsed then, the code not yet optimised) and the steady
// cost once the script's tree is cached; beside them, what the path costs without a shell (ExecSync
// of `true`), the emulation alone (the script run as a process, no CRI, no task), parsing alone,
// and the start of the interpreter for a container's plain command and a pause (every pod pays
// those two).
//
//   npx tsx bench/shell-exec.ts
//
// Target (issue 14): the ExecSync <= 30 µs per call, parsed once.

import { emulate } from "../fake-containerd/emulation/index.ts";
import { unprivileged } from "../fake-containerd/privileges.ts";
import { parse } from "../fake-containerd/emulation/syntax/parser.ts";
import { createFakeCri } from "../src/harness/index.ts";
import { busybox, containerConfig, podConfig } from "./lifecycle.ts";
import { measure, measureAsync, report } from "./measure.ts";

const script = "for i in 1 2 3; do echo $i; done | wc -l";

async function execSync(): Promise<void> {
  const fake = await createFakeCri({ seed: 1, images: [busybox] });
  const pod = podConfig(0);
  const { podSandboxId } = await fake.runtime.runPodSandbox({ config: pod });
  const { containerId } = await fake.runtime.createContainer({ podSandboxId, sandboxConfig: pod, config: containerConfig("app") });
  await fake.runtime.startContainer({ containerId });
  const run = (cmd: string[]) => fake.runtime.execSync({ containerId, cmd, timeout: 10n });

  const started = performance.now();
  const first = await run(["sh", "-c", script]);
  const firstMicros = (performance.now() - started) * 1000;
  const stdout = new TextDecoder().decode(first.stdout);
  if (stdout !== "3\n" || first.exitCode !== 0) throw new Error(`the script answered ${JSON.stringify(stdout)} with status ${first.exitCode}`);
  console.log(`first ExecSync (script parsed then, code cold): ${firstMicros.toFixed(0)} µs`);

  for (const [name, cmd] of [["sh-c-for-pipe-wc", ["sh", "-c", script]], ["true", ["true"]]] as const) {
    report(await measureAsync(`BenchmarkExecSync/${name}`, () => run([...cmd]), 3000));
    let calls = 0;
    const cpu = process.cpuUsage();
    for (; calls < 2000; calls++) await run([...cmd]);
    reportCpu(cpu, calls);
  }
  await fake.close();
}

/** CPU time per call since `since`: it tells the work apart from waiting for a core on a shared machine. */
function reportCpu(since: NodeJS.CpuUsage, calls: number): void {
  const used = process.cpuUsage(since);
  console.log(`  CPU ${((used.user + used.system) / calls).toFixed(1)} µs per call`);
}

function cpuOf(op: (i: number) => unknown, calls = 20_000): void {
  const cpu = process.cpuUsage();
  for (let i = 0; i < calls; i++) op(i);
  reportCpu(cpu, calls);
}

function emulationAlone(): void {
  let status = -1;
  const port = {
    activeMs: () => 0,
    clockMs: () => 0,
    setTimer: () => () => undefined,
    write: () => undefined,
    changeFile: () => undefined,
    exit: (code: number) => {
      status = code;
    },
    oom: () => undefined,
    files: { readFile: async () => undefined, readDir: async () => undefined, readOnly: async () => false, locate: async (path: string) => path },
    nextPid: () => 2,
    processes: () => [],
    signalProcess: () => false,
    stdin: (async function* () {})(),
  };
  const start = { args: ["sh", "-c", script], env: ["PATH=/bin", "HOSTNAME=pod"], cwd: "/", user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, memoryLimit: undefined, privileges: unprivileged, exec: true, hasFile: undefined, pid: 1, namespaceInit: false, stdin: false };
  const run = () => {
    emulate(start, port).start();
    if (status !== 0) throw new Error(`the emulation ended with ${status}`);
  };
  report(measure("BenchmarkEmulation/sh-c-for-pipe-wc", run));
  cpuOf(run);
  for (const args of [["sleep", "600"], ["/pause"]]) {
    const container = { ...start, args, exec: false, namespaceInit: true };
    const startOnly = () => {
      const process = emulate(container, port);
      process.start();
      process.stop();
    };
    report(measure(`BenchmarkEmulation/start-${args[0]!.replace("/", "")}`, startOnly));
    cpuOf(startOnly);
  }
  const parseUncached = (i: number) => parse(`${script} # ${i}`);
  report(measure("BenchmarkParse/uncached", parseUncached));
  cpuOf((i) => parseUncached(i + 1e9));
}

await execSync();
emulationAlone();
