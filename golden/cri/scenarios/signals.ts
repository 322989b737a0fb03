// Signals as the kernel delivers them, and the processes a container sees: PID 1 of a PID
// namespace ignores the signals it has no handler for (SIGKILL too, when sent from inside), any
// other process dies by the default action, `trap` handlers run (once the foreground command is
// done), pause exits 0 on SIGTERM; `ps`, `pgrep`, `pkill`, `kill` and /proc/<pid> by PID namespace
// mode. Self-contained: every config is built here, so the file moves as one.

import type * as v1 from "../../../src/cri/api/v1.ts";
import { NamespaceMode } from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario, type ScenarioBuilder } from "../scenario.ts";

const busybox = "docker.io/library/busybox:1.36";
const pause = "registry.k8s.io/pause:3.6";

type PidMode = "container" | "pod" | "node";
const pidModes: Record<PidMode, NamespaceMode> = { container: NamespaceMode.CONTAINER, pod: NamespaceMode.POD, node: NamespaceMode.NODE };

function linux(mode: PidMode): { securityContext: { namespaceOptions: { pid: NamespaceMode } } } {
  return { securityContext: { namespaceOptions: { pid: pidModes[mode] } } };
}

function pod(mode: PidMode): v1.DeepPartial<v1.PodSandboxConfig> {
  return { metadata: { name: `pid-${mode}`, namespace: "golden", uid: `pid-${mode}-uid`, attempt: 0 }, hostname: `pid-${mode}`, logDirectory: `$logRoot/pid-${mode}`, linux: linux(mode) };
}

/** A pod whose containers' PID namespace is `mode`'s, saved as `pid<mode>`. */
function runPod(s: ScenarioBuilder, mode: PidMode): void {
  s.runtime.runPodSandbox({ config: pod(mode) }, { save: `pid${mode}` });
}

/** Creates and starts `command` in the pod of `mode`, saved as `save`. */
function run(s: ScenarioBuilder, mode: PidMode, save: string, command: readonly string[] | undefined, image = busybox): void {
  const config: v1.DeepPartial<v1.ContainerConfig> = { metadata: { name: save, attempt: 0 }, image: { image }, logPath: `${save}.log`, linux: linux(mode) };
  if (command) config.command = [...command];
  s.runtime.createContainer({ podSandboxId: `$pid${mode}.podSandboxId`, config, sandboxConfig: pod(mode) }, { save });
  s.runtime.startContainer({ containerId: `$${save}.containerId` });
}

function stopAndLook(s: ScenarioBuilder, save: string, timeout: bigint): void {
  s.runtime.stopContainer({ containerId: `$${save}.containerId`, timeout });
  s.runtime.containerStatus({ containerId: `$${save}.containerId` });
}

function execSync(s: ScenarioBuilder, save: string, cmd: readonly string[], timeout = 10n): void {
  s.runtime.execSync({ containerId: `$${save}.containerId`, cmd: [...cmd], timeout });
}

const sh = (script: string): string[] => ["sh", "-c", script];

export const signals: Scenario[] = [
  defineScenario("signals-pid1-default-disposition", "PID 1 of its own PID namespace ignores SIGTERM without a handler: StopContainer waits the grace period, then SIGKILL (137); not PID 1, it dies of SIGTERM (143)", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    for (const mode of ["container", "pod", "node"] as const) runPod(s, mode);
    const commands: Record<string, string[]> = {
      sleep: ["sleep", "600"],
      shsleep: sh("echo started; sleep 600"),
      tail: ["tail", "-f", "/dev/null"],
    };
    for (const mode of ["container", "pod", "node"] as const) {
      for (const [name, command] of Object.entries(commands)) run(s, mode, `${name}${mode}`, command);
    }
    s.sleep(500);
    for (const mode of ["container", "pod", "node"] as const) {
      for (const name of Object.keys(commands)) stopAndLook(s, `${name}${mode}`, 1n);
    }
    run(s, "container", "sleepkill", ["sleep", "600"]);
    stopAndLook(s, "sleepkill", 0n);
  }),

  defineScenario("signals-traps", "trap handlers run when the foreground command is done: `exit 42` on TERM, `\"\"` ignores, a trapped signal cuts `wait` short", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    for (const mode of ["container", "pod"] as const) runPod(s, mode);
    const scripts: Record<string, string> = {
      exitloop: 'trap "exit 42" TERM; while true; do sleep 0.2; done',
      ignored: 'trap "" TERM; while true; do sleep 0.2; done',
      waited: 'trap "exit 3" TERM; sleep 600 & wait',
      foreground: 'trap "exit 42" TERM; sleep 600',
      otherSignal: 'trap "exit 42" INT; while true; do sleep 0.2; done',
    };
    for (const mode of ["container", "pod"] as const) {
      for (const [name, script] of Object.entries(scripts)) run(s, mode, `${name}${mode}`, sh(script));
    }
    s.sleep(500);
    for (const mode of ["container", "pod"] as const) {
      for (const name of Object.keys(scripts)) stopAndLook(s, `${name}${mode}`, 2n);
    }
  }),

  defineScenario("signals-pause", "The pause image's program handles SIGTERM and SIGINT and exits 0 (Completed), as PID 1 or not; SIGKILL ends it with 137", (s) => {
    s.image.pullImage({ image: { image: pause } });
    for (const mode of ["container", "pod"] as const) runPod(s, mode);
    for (const mode of ["container", "pod"] as const) run(s, mode, `pause${mode}`, undefined, pause);
    run(s, "container", "pausekill", undefined, pause);
    s.sleep(300);
    for (const mode of ["container", "pod"] as const) stopAndLook(s, `pause${mode}`, 5n);
    stopAndLook(s, "pausekill", 0n);
  }),

  defineScenario("signals-from-inside", "kill from an exec: PID 1 ignores SIGTERM and even SIGKILL from inside its namespace; a child of PID 1 dies by the default action", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    runPod(s, "container");
    run(s, "container", "init", ["sleep", "600"]);
    run(s, "container", "parent", sh("sleep 600 & echo $! > /tmp/child; wait $!; echo $? > /tmp/status; sleep 600"));
    s.sleep(500);
    execSync(s, "init", sh("kill 1; echo $?"));
    execSync(s, "init", sh("kill -9 1; echo $?"));
    execSync(s, "init", sh("kill -INT 1; echo $?"));
    s.runtime.containerStatus({ containerId: "$init.containerId" });
    execSync(s, "parent", sh("kill $(pgrep -o sleep); echo $?"));
    execSync(s, "parent", ["pkill", "-x", "sleep"]);
    execSync(s, "parent", ["ps", "-o", "ppid,user,stat,args"]);
    execSync(s, "parent", sh("kill $(cat /tmp/child); echo $?"));
    s.sleep(300);
    execSync(s, "parent", ["cat", "/tmp/status"]);
    execSync(s, "init", ["kill", "-TERM", "999"]);
    execSync(s, "init", ["kill", "-l"]);
  }),

  // PIDs past 1 depend on how many threads runc init's Go runtime started (pid-namespaces.ts), so
  // only PID 1 and parents are printed.
  defineScenario("process-table-pid-namespaces", "ps and /proc/<pid> in a container's own PID namespace and in the pod's; an exec's process comes and goes; a timed-out ExecSync's process is gone", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    for (const mode of ["container", "pod"] as const) runPod(s, mode);
    for (const mode of ["container", "pod"] as const) {
      const app = `app${mode}`;
      run(s, mode, app, sh("sleep 600 & wait"));
      s.sleep(500);
      execSync(s, app, ["ps", "-o", "user,stat,args"]);
      if (mode === "container") execSync(s, app, ["ps", "-o", "ppid,args"]);
      execSync(s, app, sh("tr '\\0' ' ' < /proc/1/cmdline; echo"));
      execSync(s, app, ["grep", "-E", "^(Name|State|Pid|PPid|Uid):", "/proc/1/status"]);
      execSync(s, app, sh("tr '\\0' ' ' < /proc/$$/cmdline; echo"));
      execSync(s, app, ["cat", "/proc/999/cmdline"]);
      execSync(s, app, ["sleep", "5"], 1n);
      execSync(s, app, ["ps", "-o", "args"]);
    }
  }),

  // Every process ash forks is in the table while it runs, with the PID the kernel gave it: each
  // stage of a pipeline (a background one's forked by the shell itself), a `( )` subshell (none
  // when it is a forked process's last command), a `$(...)` and a command that is not the last.
  // Only one process forks at a time in each script, so PIDs follow fork order; how many PIDs
  // runc init's threads took before the first fork varies run to run, so PIDs are printed only
  // relative to one another (the newest `sleep`'s, from `pidof`), and each container's first exec
  // takes the PID after its last fork.
  defineScenario("process-table-forks", "ps, pidof and /proc/<pid> list what ash forks while it runs (pipeline stages, ( ) subshells, $(...), & jobs) in fork order; an exec takes the next PID", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    runPod(s, "container");
    run(s, "container", "forks", sh("sleep 100 | sleep 200 & (sleep 300) & echo $(sleep 400; echo x); wait"));
    run(s, "container", "stages", sh("echo a | { sleep 100; cat; }"));
    run(s, "container", "job", sh("(sleep 100; true) & wait"));
    s.sleep(500);
    const relative = "set -- $(pidof sleep); echo exec $(($$ - $1)); for p in $*; do echo sleep $(($p - $1)); done";
    for (const save of ["forks", "stages", "job"]) execSync(s, save, sh(relative));
    execSync(s, "forks", ["ps", "-o", "stat,args"]);
    execSync(s, "forks", sh("set -- $(pidof sleep); tr '\\0' ' ' < /proc/$(($1 - 1))/cmdline; echo; grep -E '^(Name|State):' /proc/$1/status"));
    execSync(s, "forks", sh("ps -o args > /tmp/ps; cat /tmp/ps"));
    execSync(s, "forks", sh('x=$(ps -o args); echo "$x"'));
    execSync(s, "stages", ["ps", "-o", "stat,args"]);
    execSync(s, "stages", sh("set -- $(pidof sleep); tr '\\0' ' ' < /proc/$(($1 - 1))/cmdline; echo; cat /proc/$(($1 - 2))/cmdline 2>/dev/null || echo gone"));
    execSync(s, "job", ["ps", "-o", "stat,args"]);
  }),

  // ash execs the last command of `sh -c` when no signal is trapped: the table shows that command
  // in the shell's place. date's formats on fixed instants (the clock itself differs run to run).
  defineScenario("process-table-exec-and-date", "sh -c execs its last command (ps, /proc/1/cmdline and /proc/1/status show it), but not with a trap or in a loop; date's formats and strftime directives", (s) => {
    s.image.pullImage({ image: { image: busybox } });
    runPod(s, "container");
    run(s, "container", "execd", sh("touch /tmp/x; if true; then sleep 600; fi"));
    run(s, "container", "trapped", sh("trap 'exit 3' TERM; sleep 600"));
    run(s, "container", "looped", sh("while true; do sleep 600; done"));
    s.sleep(500);
    execSync(s, "execd", ["ps", "-o", "ppid,args"]);
    execSync(s, "execd", sh("tr '\\0' ' ' < /proc/1/cmdline; echo"));
    execSync(s, "execd", ["grep", "-E", "^(Name|PPid):", "/proc/1/status"]);
    execSync(s, "trapped", ["ps", "-o", "ppid,args"]);
    execSync(s, "looped", ["ps", "-o", "ppid,args"]);
    execSync(s, "execd", ["date", "-u", "-d", "@1700000000"]);
    execSync(s, "execd", ["date", "-d", "@0", "-R"]);
    execSync(s, "execd", ["date", "-d", "@1700000000", "-I"]);
    execSync(s, "execd", ["date", "-d", "@1700000000", "-Iseconds"]);
    execSync(s, "execd", ["date", "-d", "@1796682774", "+%Y-%m-%d %H:%M:%S %a %A %b %B %j %s %Z %z %e %p %P %I %l %k %y %C %u %w %U %W %V %G %g %T %D %F %R %r %c %x %X %h %n%t %% %N %q"]);
    execSync(s, "execd", ["date", "+%Z %z"]);
    execSync(s, "execd", sh("TZ=CET-1 date -d @0"));
  }),
];
