// A process's standard streams from the client's end (ProcessStdio), over today's emulation: what
// the streaming server and the harness rely on whatever runs behind them.

import { describe, expect, test } from "vitest";
import { VirtualClock } from "./clock.ts";
import { ociSpec } from "./containers.ts";
import { createFakeContainerd } from "./index.ts";
import { signals, type ScriptFunction } from "./processes/script.ts";
import { ProcessStdio } from "./stdio.ts";

async function runningTask(options: { containerArgs?: string[]; stdio?: ProcessStdio; spec?: object } = {}) {
  const clock = new VirtualClock();
  const fake = createFakeContainerd({ seed: 3, clock });
  const ns = fake.namespace("k8s.io");
  await ns.containers.create({ id: "c1", spec: ociSpec({ process: { args: options.containerArgs ?? ["sleep", "infinity"] }, ...options.spec }) });
  const task = await ns.tasks.create("c1", options.stdio ? { io: options.stdio.io } : {});
  await task.start();
  return { clock, fake, ns, task };
}

describe("ProcessStdio over an exec", () => {
  test("output as written, then end of output and the exit status", async () => {
    const { task } = await runningTask();
    const stdio = new ProcessStdio();
    const proc = await task.exec("e1", { args: ["sh", "-c", "echo out; echo err >&2; exit 3"] }, stdio.io);
    await proc.start();
    expect((await proc.wait()).exitStatus).toBe(3);
    await stdio.stdout.ended;
    expect([stdio.stdout.text(), stdio.stderr.text()]).toEqual(["out\n", "err\n"]);
  });

  test("stdin until closed: cat copies it", async () => {
    const { task } = await runningTask();
    const stdio = new ProcessStdio({ stdin: true });
    const proc = await task.exec("e1", { args: ["cat"] }, stdio.io);
    await proc.start();
    stdio.write("one\n");
    await stdio.stdout.waitFor("one\n");
    stdio.write("two\n");
    stdio.closeStdin();
    expect((await proc.wait()).exitStatus).toBe(0);
    expect(stdio.stdout.text()).toBe("one\ntwo\n");
  });

  test("with a terminal: echo, CR LF, stderr on stdout; an interactive sh prompts and exits with exit's status", async () => {
    const { task } = await runningTask();
    const stdio = new ProcessStdio({ stdin: true, terminal: true });
    const proc = await task.exec("e1", { args: ["sh"] }, stdio.io);
    await proc.start();
    await stdio.stdout.waitFor("/ # ");
    stdio.write("echo hi; echo oops >&2\r");
    await stdio.stdout.waitFor("oops\r\n/ # ");
    stdio.write("exit 4\r");
    expect((await proc.wait()).exitStatus).toBe(4);
    expect(stdio.stdout.text()).toBe("/ # echo hi; echo oops >&2\r\nhi\r\noops\r\n/ # exit 4\r\n");
    expect(stdio.stderr.text()).toBe("");
  });

  test("^D at an empty prompt ends the shell; ^C gives a new prompt and sets $? to 130, as ash's does", async () => {
    const { task } = await runningTask();
    const stdio = new ProcessStdio({ stdin: true, terminal: true });
    const proc = await task.exec("e1", { args: ["sh"] }, stdio.io);
    await proc.start();
    stdio.write("false\r");
    await stdio.stdout.waitFor("false\r\n/ # ");
    stdio.write("sleep 9\x03");
    await stdio.stdout.waitFor("^C\r\n/ # ");
    stdio.write("\x04");
    expect((await proc.wait()).exitStatus).toBe(130);
  });

  test("the interactive sh is one live shell: variables, cd and functions carry between lines; a command goes on under > ", async () => {
    const { task, fake } = await runningTask();
    fake.processes.addFile("/tmp/notes", "x");
    const stdio = new ProcessStdio({ stdin: true, terminal: true });
    const proc = await task.exec("e1", { args: ["sh"] }, stdio.io);
    await proc.start();
    await stdio.stdout.waitFor("/ # ");
    stdio.write("x=5; cd /tmp; f() { echo f$1; }\r");
    await stdio.stdout.waitFor("/tmp # ");
    stdio.write("for i in 1 2; do\r");
    await stdio.stdout.waitFor("> ");
    stdio.write("f $i$x; done\r");
    await stdio.stdout.waitFor("f15\r\nf25\r\n/tmp # ");
    stdio.write("cd /nowhere\r");
    await stdio.stdout.waitFor("sh: cd: can't cd to /nowhere: No such file or directory\r\n/tmp # ");
    stdio.write("echo never; fi\r");
    await stdio.stdout.waitFor("sh: syntax error: unexpected \"fi\"\r\n/tmp # ");
    stdio.write("sleep 100\r");
    await stdio.stdout.waitFor("sleep 100\r\n");
    stdio.write("\x03");
    await stdio.stdout.waitFor("^C\r\n/tmp # ");
    stdio.write("exit\r");
    expect((await proc.wait()).exitStatus).toBe(130);
  });

  test("without a terminal, sh reads a script from stdin and prompts for nothing", async () => {
    const { task } = await runningTask();
    const stdio = new ProcessStdio({ stdin: true });
    const proc = await task.exec("e1", { args: ["/bin/sh"] }, stdio.io);
    await proc.start();
    stdio.write("echo -n hello\necho world\nfalse\n");
    stdio.closeStdin();
    expect((await proc.wait()).exitStatus).toBe(1);
    expect(stdio.stdout.text()).toBe("helloworld\n");
  });

  test("a resize reaches the terminal and, changed, the process as SIGWINCH", async () => {
    const { fake, task } = await runningTask();
    const seen: number[] = [];
    const script: ScriptFunction = async (p) => {
      p.onSignal((s) => seen.push(s));
      await p.exited;
    };
    fake.processes.onExec({ command: "watcher" }, script);
    const stdio = new ProcessStdio({ terminal: true });
    const proc = await task.exec("e1", { args: ["watcher"] }, stdio.io);
    await proc.start();
    await proc.resize(80, 24);
    await proc.resize(80, 24);
    await proc.resize(120, 40);
    expect(seen).toEqual([signals.SIGWINCH, signals.SIGWINCH]);
    await proc.kill(signals.SIGKILL);
  });
});

describe("a container's process: stdin, listening ports", () => {
  test("a container's sh with stdin runs the commands it reads; without stdin it runs until killed", async () => {
    const stdio = new ProcessStdio({ stdin: true });
    const { task } = await runningTask({ containerArgs: ["sh"], stdio });
    stdio.write("echo from stdin\n");
    stdio.closeStdin();
    expect((await task.wait()).exitStatus).toBe(0);
    expect(stdio.stdout.text()).toBe("from stdin\n");
    const quiet = await runningTask({ containerArgs: ["sh"] });
    expect((await quiet.task.status()).status).toBe("running");
  });

  test("a scripted listener serves connections in its network namespace until the process exits", async () => {
    const clock = new VirtualClock();
    const fake = createFakeContainerd({ seed: 3, clock });
    fake.processes.onContainer({ containerId: "c1" }, { listen: [{ port: 8080, handler: (socket) => socket.write("hi\n") }] });
    const ns = fake.namespace("k8s.io");
    const spec = ociSpec({ process: { args: ["server"] }, linux: { namespaces: [{ type: "network", path: "/var/run/netns/pod1" }] } });
    await ns.containers.create({ id: "c1", spec });
    const task = await ns.tasks.create("c1");
    expect(fake.network.ports("/var/run/netns/pod1")).toEqual([]);
    await task.start();
    expect(fake.network.ports("/var/run/netns/pod1")).toEqual([8080]);
    const socket = fake.network.connect("/var/run/netns/pod1", 8080);
    const reader = socket.data[Symbol.asyncIterator]();
    expect(new TextDecoder().decode((await reader.next()).value)).toBe("hi\n");
    // A second container joining the first's namespace through its PID shares its ports.
    await ns.containers.create({ id: "c2", spec: ociSpec({ process: { args: ["sleep", "1"] }, linux: { namespaces: [{ type: "network", path: `/proc/${task.pid}/ns/net` }] } }) });
    expect(ns.tasks.networkNamespaceOf("c2")).toBe("/var/run/netns/pod1");
    await task.kill(signals.SIGKILL);
    await task.wait();
    expect(fake.network.ports("/var/run/netns/pod1")).toEqual([]);
    expect(ns.tasks.networkNamespaceOf("c1")).toBe("/var/run/netns/pod1");
  });

  test("a join by /proc/<pid>/ns finds the task whose own process has that PID, and no longer once that task is deleted", async () => {
    const { ns } = await runningTask();
    await ns.containers.create({ id: "c0", spec: ociSpec({ process: { args: ["sleep", "600"] }, linux: { namespaces: [{ type: "network" }] } }) });
    const owner = await ns.tasks.create("c0");
    const joinPath = `/proc/${owner.pid}/ns/net`;
    await ns.containers.create({ id: "c2", spec: ociSpec({ process: { args: ["true"] }, linux: { namespaces: [{ type: "network", path: joinPath }] } }) });
    expect(ns.tasks.networkNamespaceOf("c2")).toBe("k8s.io/c0");
    await owner.delete({ kill: true });
    expect(ns.tasks.networkNamespaceOf("c2")).toBe(joinPath);
  });

  test("no network namespace in the spec is the host's; a new one is the container's own", async () => {
    const { ns } = await runningTask();
    expect(ns.tasks.networkNamespaceOf("c1")).toBe("host");
    await ns.containers.create({ id: "c3", spec: ociSpec({ process: { args: ["true"] }, linux: { namespaces: [{ type: "network" }] } }) });
    expect(ns.tasks.networkNamespaceOf("c3")).toBe("k8s.io/c3");
  });
});
