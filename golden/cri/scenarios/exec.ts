// ExecSync, Exec and Attach: outputs and exit codes of the emulatable commands, streaming URLs,
// request validation and container states.

import type * as v1 from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario } from "../scenario.ts";
import { commands, containerStatus, createContainer, execCommands, pullBusybox, runPod, shellScriptsScenario, startContainer, waitExited } from "./common.ts";

export const exec: Scenario[] = [
  defineScenario("exec-sync-commands", "ExecSync output and exit codes of the emulatable commands", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    startContainer(s, "app");
    const execSync = (cmd: readonly string[], timeout = 10n) => s.runtime.execSync({ containerId: "$app.containerId", cmd: [...cmd], timeout });
    execSync(execCommands.echo("hello"));
    execSync(execCommands.echo(""));
    execSync(["echo", "two", "words"]);
    execSync(execCommands.true);
    execSync(execCommands.false);
    for (const code of [0, 1, 7, 126, 127, 255]) execSync(execCommands.exit(code));
    execSync(execCommands.hostname);
    execSync(execCommands.passwd);
    execSync(["cat", "/etc/no-such-file"]);
    execSync(execCommands.echo("no timeout"), 0n);
    execSync(execCommands.true, 1n);
    s.runtime.execSync({ containerId: "$prefix(app.containerId, 9)", cmd: ["echo", "by prefix"], timeout: 10n });
  }),

  defineScenario(
    "shell-image-applets",
    "busybox applets the fake does not emulate, and shell scripts beyond it, keep running; ExecSync hostname",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const running: Array<[string, readonly string[]]> = [
        ["top", ["top"]],
        ["shtop", ["sh", "-c", "top"]],
        ["loop", ["sh", "-c", "while true; do echo tick; sleep 1; done"]],
        ["pipe", ["sh", "-c", "yes | head -c 1 && sleep 3600"]],
      ];
      for (const [name, command] of running) {
        createContainer(s, "pod", "pod", name, command, name);
        startContainer(s, name);
        containerStatus(s, name);
      }
      s.runtime.execSync({ containerId: "$top.containerId", cmd: ["hostname"], timeout: 10n });
    },
  ),

  defineScenario(
    "exec-sync-id",
    "busybox id as root, as a user the image does not name, with a group and supplemental groups, and as a named user",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const users: Array<[string, v1.DeepPartial<v1.ContainerConfig>]> = [
        ["root", {}],
        ["uid", { linux: { securityContext: { runAsUser: { value: 1000n } } } }],
        ["groups", { linux: { securityContext: { runAsUser: { value: 1000n }, runAsGroup: { value: 2000n }, supplementalGroups: [3000n, 65534n] } } }],
        ["nobody", { linux: { securityContext: { runAsUsername: "nobody" } } }],
      ];
      for (const [name, extra] of users) {
        createContainer(s, "pod", "pod", name, commands.sleepForever, name, extra);
        startContainer(s, name);
        for (const cmd of [["id"], ["id", "-u"], ["id", "-g"], ["id", "-G"], ["id", "-un"], ["id", "-gn"], ["id", "-Gn"]]) {
          s.runtime.execSync({ containerId: `$${name}.containerId`, cmd, timeout: 10n });
        }
      }
      s.runtime.execSync({ containerId: "$root.containerId", cmd: ["id", "nobody"], timeout: 10n });
      s.runtime.execSync({ containerId: "$root.containerId", cmd: ["id", "-u", "no-such-user"], timeout: 10n });
    },
  ),

  defineScenario(
    "exec-sync-shell-words",
    "sh -c in ExecSync: quoting, backslashes, $NAME / ${NAME} from the container's environment (HOSTNAME, a config env, unset), && and || lists",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", { envs: [{ key: "GREETING", value: new TextEncoder().encode("hi  there") }, { key: "EMPTY", value: new Uint8Array() }] });
      startContainer(s, "app");
      for (const script of [
        "echo $HOSTNAME ${GREETING}!",
        'echo "$GREETING" \'$GREETING\' [$NOPE] [$EMPTY] \\$HOSTNAME',
        'echo "a\\b" "\\$x \\"q\\"" x\\ y  z',
        "echo a; echo $GREETING >&2; exit 4",
        "echo $ end; echo \"$\"",
        "while true; do echo once $HOSTNAME; exit 5; done",
        "echo ${GREETING}${HOSTNAME}",
        "true && echo yes || echo no",
        "false && echo yes || echo no",
        "echo a&&false||echo c",
        "nope || echo fallback",
        "false && echo never",
        'echo "a && b" \'c || d\' && exit 3 && echo never',
      ]) {
        s.runtime.execSync({ containerId: "$app.containerId", cmd: ["sh", "-c", script], timeout: 10n });
      }
    },
  ),

  defineScenario(
    "exec-sync-shell-reads",
    "sh -c in ExecSync with commands that read the container's files: cat, hostname and id, alone and inside $(...), as root and as a user with groups",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "root", commands.sleepForever, "root");
      startContainer(s, "root");
      const user = { linux: { securityContext: { runAsUser: { value: 1000n }, runAsGroup: { value: 2000n }, supplementalGroups: [3000n] } } };
      createContainer(s, "pod", "pod", "user", commands.sleepForever, "user", user);
      startContainer(s, "user");
      const scripts = [
        "echo $(id -u):$(id -g)",
        "echo $(id -un) && id || echo failed",
        "cat /etc/hostname && hostname",
        "cat /nope || echo none",
        'echo "[$(hostname)]" $(echo a  b)',
        "echo $(id -u no-such-user) after",
      ];
      for (const container of ["root", "user"]) {
        for (const script of scripts) s.runtime.execSync({ containerId: `$${container}.containerId`, cmd: ["sh", "-c", script], timeout: 10n });
      }
    },
  ),

  defineScenario(
    "exec-sync-ls",
    "ls in ExecSync: a volume from the node, the image's directories with the mount points runc adds, files, several operands, a missing path, paths from the working directory",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      createContainer(s, "pod", "pod", "logger", commands.echoExit("logged", 0), "logger");
      startContainer(s, "logger");
      waitExited(s, "logger");
      const volume = { mounts: [{ hostPath: "$logRoot/pod", containerPath: "/mnt/logs" }], workingDir: "/etc" };
      createContainer(s, "pod", "pod", "lister", commands.sleepForever, "lister", volume);
      startContainer(s, "lister");
      const listings = [
        ["ls", "-A", "/mnt/logs"],
        ["ls", "/"],
        ["ls", "-A", "/etc"],
        ["ls", "-a", "/mnt"],
        ["ls", "/etc/passwd", "/nope", "/tmp", "/mnt", "/etc/group"],
        ["ls"],
        ["ls", "-1", "../mnt/logs", "passwd"],
        ["sh", "-c", "ls /nope || ls -A /mnt/logs/"],
        ["ls", "--", "/mnt"],
      ];
      for (const cmd of listings) s.runtime.execSync({ containerId: "$lister.containerId", cmd, timeout: 10n });
    },
  ),

  defineScenario(
    "exec-sync-script-files",
    "Shell scripts in files, from a volume (as a ConfigMap's): run by path in ExecSync and as a container's command, with sh FILE, from sh -c by path and on PATH; a file without #!, another interpreter's, a missing one",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const volume = { mounts: [{ hostPath: "$logRoot/pod/scripts", containerPath: "/scripts" }] };
      createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", volume);
      startContainer(s, "app");
      const execSync = (cmd: readonly string[]) => s.runtime.execSync({ containerId: "$app.containerId", cmd: [...cmd], timeout: 10n });
      execSync([
        "sh",
        "-c",
        "printf '#!/bin/sh\\necho script $0 $# $1\\nexit 3\\n' > /scripts/check.sh && printf 'echo plain $0 $1\\n' > /scripts/plain && " +
          "printf '#!/usr/bin/env python3\\nprint(1)\\n' > /scripts/py && chmod +x /scripts/check.sh /scripts/plain /scripts/py && cat /scripts/check.sh",
      ]);
      execSync(["/scripts/check.sh", "x"]);
      execSync(["sh", "/scripts/check.sh", "y", "z"]);
      execSync(["sh", "-c", "/scripts/check.sh z; echo rc=$?"]);
      execSync(["sh", "-c", "cd /scripts && ./check.sh w; ./plain q; sh check.sh v a b; echo rc=$?"]);
      execSync(["sh", "-c", "PATH=/scripts:$PATH; check.sh p; echo rc=$?"]);
      execSync(["sh", "-c", "sh /scripts/nofile; echo rc=$?; /scripts/nofile; echo rc=$?"]);
      execSync(["sh", "-c", "/scripts/py; echo rc=$?"]);
      execSync(["/scripts/plain", "direct"]);
      execSync(["/scripts/py"]);
      createContainer(s, "pod", "pod", "entry", ["/scripts/check.sh", "entry"], "entry", volume);
      startContainer(s, "entry");
      waitExited(s, "entry");
      containerStatus(s, "entry");
    },
  ),

  defineScenario("exec-sync-sysctls", "cat of /proc/sys in a container: the pod's sysctls, in the IPC, network and UTS namespaces the container shares with its sandbox", (s) => {
    pullBusybox(s);
    const sysctls = { "kernel.shm_rmid_forced": "1", "fs.mqueue.msg_max": "100", "net.ipv4.ip_unprivileged_port_start": "80" };
    runPod(s, "pod", "pod", { linux: { sysctls } });
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", {}, { linux: { sysctls } });
    startContainer(s, "app");
    const files = ["kernel/shm_rmid_forced", "fs/mqueue/msg_max", "net/ipv4/ip_unprivileged_port_start", "kernel/hostname"];
    for (const file of files) s.runtime.execSync({ containerId: "$app.containerId", cmd: ["cat", `/proc/sys/${file}`], timeout: 10n });
    s.runtime.execSync({ containerId: "$app.containerId", cmd: ["sh", "-c", "echo $(cat /proc/sys/kernel/shm_rmid_forced)"], timeout: 10n });
  }),

  defineScenario(
    "exec-sync-file-changes",
    "Commands that change the container's files: touch, mkdir, rm, > and >>, [ and test; on the root filesystem, read-only or not, and on volumes, read-only or not",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const volumes = {
        mounts: [
          { hostPath: "$logRoot/pod/volume", containerPath: "/vol" },
          { hostPath: "$logRoot/pod/volume", containerPath: "/rovol", readonly: true },
        ],
      };
      createContainer(s, "pod", "pod", "rw", commands.sleepForever, "rw", volumes);
      startContainer(s, "rw");
      createContainer(s, "pod", "pod", "ro", commands.sleepForever, "ro", { ...volumes, linux: { securityContext: { readonlyRootfs: true } } });
      startContainer(s, "ro");
      const rw = [
        "touch test.go && [ -f test.go ] && echo Found",
        "ls /",
        "mkdir /a && mkdir /a; mkdir -p /b/c/d && ls /b/c; mkdir /x/y; mkdir -p /b/c/d && echo again",
        "echo hello > /a/f && cat /a/f && echo more >> /a/f && cat /a/f && echo new > /a/f && cat /a/f",
        "echo x > /nope/f || echo failed; echo x > /a || echo failed too",
        "rm /a/f && rm /a/f; rm -f /a/f && echo ok; rm /a; rm -r /a && ls /",
        "[ -d /b ] && [ ! -e /zz ] && test -f /etc/passwd && [ -e /b/c ] && echo yes",
        "[ -f /etc ] || echo not a file; [ -d /etc/passwd ] || echo not a dir",
        "[ -f /etc",
        "touch /vol/file && ls /vol /rovol && touch /rovol/other",
        "echo shared > /dev/shm/f && cat /dev/shm/f",
        "touch /b /etc/passwd && echo touched; rm -r /b && [ ! -e /b/c/d ] && echo gone",
        "echo one 2>&1 > /tmp/o; echo two >> /tmp/o 2>&1; cat /tmp/o; cat /nope 2> /tmp/e; cat /tmp/e",
      ];
      for (const script of rw) s.runtime.execSync({ containerId: "$rw.containerId", cmd: ["sh", "-c", script], timeout: 10n });
      const ro = [
        "touch test.go && [ -f test.go ] && echo Found",
        "touch /etc/passwd",
        "mkdir /q",
        "rm /etc/passwd",
        "echo x > /f",
        "touch /tmp/x",
        "touch /vol/ok && ls /vol; touch /rovol/x",
        "mkdir -p /etc",
      ];
      for (const script of ro) s.runtime.execSync({ containerId: "$ro.containerId", cmd: ["sh", "-c", script], timeout: 10n });
      s.runtime.execSync({ containerId: "$ro.containerId", cmd: ["touch", "/x"], timeout: 10n });
      s.runtime.execSync({ containerId: "$rw.containerId", cmd: ["mkdir", "-p", "/made/here"], timeout: 10n });
      s.runtime.execSync({ containerId: "$rw.containerId", cmd: ["ls", "/made"], timeout: 10n });
      s.runtime.execSync({ containerId: "$rw.containerId", cmd: ["rm", "-rf", "/made"], timeout: 10n });
      createContainer(s, "pod", "pod", "critest", ["sh", "-c", "touch test.go && [ -f test.go ] && echo 'Found'"], "critest", {
        linux: { securityContext: { readonlyRootfs: true } },
      });
      startContainer(s, "critest");
      waitExited(s, "critest");
      s.runtime.containerStatus({ containerId: "$critest.containerId" });
    },
  ),

  shellScriptsScenario(
    "exec-sync-shell-variables",
    "sh -c in ExecSync with variables: assignments, export, unset, a NAME=value before a command, and $?",
    [
      "x=1; echo $x",
      'x="a  b"; echo $x "$x"',
      "false; echo $?; true; echo $?; ls /nope; echo $?; nope; echo $?",
      "export Y=2 Z; echo $Y [$Z]; unset Y; echo [$Y]",
      "X=1 echo hi [$X]; x=1 y=2; echo $x$y",
      "cat /nope 2>/dev/null || echo $?",
      "exit 3",
    ],
  ),

  defineScenario(
    "exec-sync-proc-status",
    "grep in ExecSync, and what /proc/self/status says of the process's user, capabilities, no_new_privs and seccomp under several security contexts",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const contexts: Array<[string, Record<string, unknown>]> = [
        ["plain", {}],
        ["runtime-default", { seccomp: {} }],
        ["caps", { capabilities: { addCapabilities: ["NET_ADMIN"], dropCapabilities: ["NET_RAW"] } }],
        ["all", { capabilities: { addCapabilities: ["ALL"] } }],
        ["none", { capabilities: { dropCapabilities: ["ALL"] } }],
        ["user", { runAsUser: { value: 1000n }, runAsGroup: { value: 2000n }, supplementalGroups: [3000n], noNewPrivs: true }],
      ];
      const security = "^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp):";
      for (const [name, securityContext] of contexts) {
        createContainer(s, "pod", "pod", name, commands.sleepForever, name, { linux: { securityContext } });
        startContainer(s, name);
        s.runtime.execSync({ containerId: `$${name}.containerId`, cmd: ["grep", "-E", security, "/proc/self/status"], timeout: 10n });
      }
      for (const cmd of [
        ["grep", "Seccomp:", "/proc/self/status"],
        ["grep", "root", "/etc/passwd", "/etc/group"],
        ["grep", "-v", "x", "/etc/hostname"],
        ["grep", "nothing-here", "/etc/passwd"],
        ["grep", "x", "/nope", "/etc/hostname"],
        ["sh", "-c", "grep -q root /etc/passwd && echo quiet; grep -i ROOT /etc/group; grep '^ro*t:' /etc/passwd"],
      ]) {
        s.runtime.execSync({ containerId: "$plain.containerId", cmd, timeout: 10n });
      }
    },
  ),

  shellScriptsScenario(
    "exec-sync-shell-quoting",
    "sh -c in ExecSync where quotes and backslashes make ; ( ) { } | & and keywords plain text",
    [
      `echo "a;b" 'c;d'; echo next`,
      `echo "(x)" '{y}' "a|b" 'a&b' "a&&b" '$(no)'`,
      `grep -E '^(root|nobody):' /etc/passwd`,
      `echo "$(hostname)" "[$(id -u)]"`,
      `echo 'if' "for" && echo "case;" done`,
      `echo a\\;b \\(c\\) "d\\"e"`,
    ],
  ),

  shellScriptsScenario(
    "exec-sync-shell-quoted-operators",
    "sh -c in ExecSync where a quoted, escaped or expanded > or NAME= is a plain word; an assignment's value is not split",
    [
      `echo ">" x '>>' y \\> z "2>&1" '>&2'; ls /tmp`,
      `v='>'; echo $v w; ls /tmp`,
      `"x=1"; echo $?; 'y'=2; \\z=3`,
      `x="a  b"; y=$x'!'$x; echo "$y"; echo z=$x`,
      `echo ">"/tmp/f; echo a >"/tmp/g h"; cat "/tmp/g h"`,
    ],
  ),

  shellScriptsScenario(
    "exec-sync-text-filters",
    "sh -c in ExecSync with busybox's text filters on files and in pipelines: wc, head, tail, cut, sort, uniq, tr, and basename, dirname, pwd, whoami, printenv, env",
    [
      "wc -l /etc/passwd",
      "wc /etc/passwd /etc/group",
      "wc -w -c /etc/group; wc -lc /etc/hostname",
      "cat /etc/passwd | wc -l; echo 'a b  c' | wc",
      "wc -l /nope; echo $?; wc -l /etc /etc/group; echo $?",
      "head -n 2 /etc/passwd; head -1 /etc/group",
      "head /etc/passwd /etc/hostname",
      "head -n 1 /nope; echo $?",
      "tail -n 1 /etc/passwd; cat /etc/group | tail -n 2",
      "tail -n +3 /etc/group; tail -2 /etc/passwd",
      "tail /etc/hostname /etc/group",
      "cut -d: -f1 /etc/passwd; cut -d : -f 1,3 /etc/group",
      "cut -c1-4 /etc/passwd; cut -d: -f3- /etc/group",
      "cut -d: -f7 /etc/passwd | sort | uniq -c; cut -d: -f7 /etc/passwd | sort -u",
      "sort /etc/group; sort -r /etc/hostname /etc/group",
      "cut -d: -f3 /etc/passwd | sort -n; cut -d: -f3 /etc/passwd | sort -rn | head -n 3",
      "sort /nope; echo $?; cut -f1 /nope; echo $?",
      "echo Hello | tr a-z A-Z; echo hello world | tr -d lo; echo a:b:c | tr : '\\n'",
      "basename /usr/local/bin/x.sh .sh; basename /; dirname /usr/local/bin/x; dirname x; dirname /",
      "pwd; whoami; printenv HOSTNAME; printenv NOPE; echo $?",
      "env | sort",
      "export B=2 A=1 ZED=3; C=4; env; echo $HOME",
      "tail -n 1 /nope; echo $?; uniq /nope; echo $?; wc -l /nope /etc/group; echo $?",
      "head -n 1 /nope /etc/hostname /etc/group; tail -n 1 /etc/hostname /nope /etc/group",
      "cat /etc/passwd | cut -d: -f1,6 | sort -r | uniq; echo x | tr -d x | wc -c",
      "cd /nope; echo $?; cd /etc/passwd; echo $?; cd /tmp && pwd && env | grep PWD; cd; pwd; cd ../etc; pwd; cat hostname",
      "true\n\ncd /nope\necho $?; cd /nope; cd /tmp\nenv | grep PWD",
    ],
  ),

  shellScriptsScenario("exec-sync-shell-compound", "sh -c in ExecSync with if / elif / else / fi, for loops, ! and test's numeric and -s operators", [
    "if [ -f /etc/hostname ]; then echo yes; else echo no; fi",
    "if [ -f /nope ]; then echo yes; elif [ -d /etc ]; then echo dir; else echo no; fi; echo $?",
    "if false; then echo a; fi; echo $?; if true; then false; fi; echo $?",
    "if ! grep -q root /etc/passwd; then echo missing; else echo found; fi; ! true; echo $?; ! false; echo $?",
    "for f in /etc/hostname /etc/group; do wc -l $f; done; for i in 1 2 3; do echo -n $i; done; echo",
    "for x in; do echo never; done; echo $?; n=0; for w in a b c; do n=$w$n; done; echo $n $w",
    "x=5; if [ $x -gt 3 ] && [ $x -le 5 ]; then echo in; fi; [ 2 -eq 02 ] && echo eq; [ 3 -ne 3 ]; echo $?; [ 1 -ge 2 ] || echo lt",
    "[ abc -lt 1 ]; echo $?; [ -s /etc/hostname ] && echo nonempty; touch /tmp/e; [ -s /tmp/e ] || echo empty",
    "if true\nthen\n  echo multi\nfi\nfor i in 1 2; do if [ $i = 2 ]; then echo two; else echo not; fi; done",
    "if [ -f /nope ]; then exit 0; else exit 3; fi; echo unreachable",
    "for i in a b; do echo $i; done; if [ -d /tmp ]; then cat /nope; fi; echo $?",
    "echo a; false;",
    "true\nfalse\n",
    "\n  if [ -f /etc/hostname ]\n  then\n    exit 4\n  fi\n",
  ]),

  shellScriptsScenario("exec-sync-shell-loops", "sh -c in ExecSync with while and until loops, break and continue, $((...)) arithmetic and seq", [
    "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done; echo done $i",
    "n=5; until [ $n -le 2 ]; do n=$((n-1)); done; echo $n",
    "for i in 1 2 3 4; do if [ $i = 3 ]; then break; fi; echo $i; done; echo after",
    "for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done",
    "for i in a b; do for j in 1 2; do [ $j = 2 ] && break 2; echo $i$j; done; done; echo out",
    "while true; do echo once; break; done; echo next; break; echo $?",
    "echo $((2+3*4)) $((10/3)) $((10%3)) $((-7/2)) $(( (1+2)*3 )) $((1<2)) $((2==3)) $((1&&0||1)) $((0x10+010)) $((!0)) $((5>=5))",
    "x=7; echo $((x*2)) $(($x+1)) $((y+1))",
    "echo $((1/0)); echo $?",
    "echo $((1+)); echo $?",
    "x=abc; echo $((x+1)); echo $?",
    "seq 3; seq 2 4; seq 1 2 7; seq 3 1; seq -s , 3; seq -w 8 10",
    "for i in $(seq 1 3); do echo -n $i; done; echo; seq 0; echo $?",
  ]),

  shellScriptsScenario("exec-sync-echo-grep-options", "sh -c in ExecSync with echo's -n, -e and -E, and grep's -c, -n, -x, -w, -o, -l, -h and -s", [
    `echo -e 'a\\tb\\nc'; echo -E 'a\\tb'; echo -ne 'x\\0101y\\x41\\n'; echo -en 'stop\\cnever'; echo; echo -x -n; echo -- -n; echo -nn z`,
    `echo 'a\\tb'; echo -e 'back\\\\slash \\e[0m' | wc -c; echo -e '\\101\\0102'`,
    "grep -c o /etc/passwd; grep -n root /etc/passwd /etc/group; grep -x root /etc/hostname; echo $?",
    "grep -w bin /etc/passwd | wc -l; grep -o 'o[a-z]*' /etc/passwd; grep -l root /etc/passwd /etc/group /etc/hostname",
    "grep -h root /etc/passwd /etc/group; grep -s x /nope; echo $?; grep -cv nobody /etc/passwd; grep -in ROOT /etc/group",
  ]),

  shellScriptsScenario("exec-sync-test-and-uname", "sh -c in ExecSync with test's -a, -o, ! and parentheses, and uname -s, -n, -m and -o", [
    "[ -f /etc/passwd -a -d /etc ] && echo both; [ -f /nope -o -d /etc ] && echo either; [ -f /nope -a -d /etc ] || echo neither",
    "[ ! -f /nope -a -n x ] && echo not; [ \\( -f /nope -o -n x \\) -a -z '' ] && echo grouped; test x = y -o 1 -eq 1 && echo or",
    "[ -n '' -o -z '' -a -f /nope ]; echo $?; [ ! -d /etc -o -n x ]; echo $?",
    "uname; uname -s; uname -n; uname -m; uname -o; uname -sm; uname -s -n",
  ]),

  shellScriptsScenario("exec-sync-cp-mv", "sh -c in ExecSync with cp and mv of files: into a file or a directory, several sources, and busybox's errors", [
    "cp /etc/hostname /tmp/h; cat /tmp/h; cp /etc/group /tmp; cat /tmp/group; cp /etc/passwd /etc/group /tmp; ls /tmp",
    "cp /nope /tmp/x; echo $?; cp /etc /tmp/e; echo $?; cp /etc/passwd /etc/group /tmp/h; echo $?; cp /etc/hostname /nope/x; echo $?",
    "echo a > /tmp/a; mv /tmp/a /tmp/b; cat /tmp/b; ls /tmp; mv /tmp/b /etc; cat /etc/b; mv /nope /tmp; echo $?",
    "echo 1 > /tmp/one; echo 2 > /tmp/two; mkdir /tmp/d; mv /tmp/one /tmp/two /tmp/d; ls /tmp/d; cp /tmp/d/one /tmp/d/one; echo $?",
  ]),

  shellScriptsScenario("exec-sync-shell-case", "sh -c in ExecSync with case: patterns with |, *, ? and [...], quoting, no match, the body's status, nesting", [
    "x=b; case $x in a) echo A;; b|c) echo BC;; *) echo other;; esac",
    "case hello.txt in *.sh) echo sh;; *.txt) echo txt;; esac; case z in [a-c]) echo abc;; [!a-c]) echo not;; esac; case ab in ?) echo one;; ??) echo two;; esac",
    "case x in y) echo y;; esac; echo $?; case a in (a) echo paren;; esac; case a in a) false;; esac; echo $?",
    'case "$HOSTNAME" in\n  pod)\n    echo it is the pod\n    ;;\n  *)\n    echo no\nesac',
    "for v in 1 x; do case $v in [0-9]) echo num $v;; *) case $v in x) echo ex;; esac;; esac; done",
    "case x in '*') echo lit;; *) echo glob;; esac; p='x*'; case xyz in $p) echo var;; esac; case 'x*' in \"$p\") echo quoted;; esac",
    "case a in a) ;; esac; echo $?; case a in b) echo b;; a) echo a; esac && echo after",
  ]),

  shellScriptsScenario("exec-sync-awk-print-tr-squeeze", "sh -c in ExecSync with awk's print of fields (-F, $NF, strings, commas) and tr -s", [
    "awk -F: '{print $1}' /etc/passwd; awk -F : '{ print $1, $3 }' /etc/group; echo '  a   b  c ' | awk '{print $2}'",
    "echo 'x y z' | awk '{print $NF, $0}'; echo 'a:b' | awk -F: '{print $2 \"-\" $1}'; awk '{print}' /etc/hostname; echo 'a b' | awk '{print $5 \"|\"}'",
    "echo 'a  b   c' | tr -s ' '; echo 'aabbcc' | tr -s a-c; echo 'hello   world' | tr -s ' ' _",
    "awk '{print $1}' /nope /etc/hostname; echo $?",
  ]),

  shellScriptsScenario("exec-sync-printf-tee", "sh -c in ExecSync with printf (formats, widths, escapes, a format used again for more arguments) and tee", [
    `printf 'a\\tb\\n'; printf '%s-%s\\n' x y z; printf '[%5s|%-5s|%.2s]\\n' ab cd efgh`,
    `printf '%d %i %x %X %o %u %c %%\\n' 42 -7 255 255 8 3 word; printf '%05d|%-4d|%+d|%.3d\\n' 42 7 5 9`,
    `printf '%f %.2f %e %g %g\\n' 1.5 3.14159 12345 0.0001 100000000; printf '%s\\n'; printf 'no newline'`,
    `printf '%d\\n' abc; echo $?; printf '%d\\n' 12abc; echo $?; printf '%b|%q\\n' 'a\\nb' x; echo $?`,
    `printf '\\101\\x41\\0042\\e|\\c' ; echo; printf '%s' "$(printf 'x\\ny')" | wc -l`,
    "echo hello | tee /tmp/t1 /tmp/t2; cat /tmp/t1 /tmp/t2; echo more | tee -a /tmp/t1 >/dev/null; cat /tmp/t1",
    "echo x | tee /nope/f; echo $?; printf 'a\\nb\\n' | tee /tmp/t3 | wc -l",
  ]),

  defineScenario("exec-sync-text-filter-commands", "ExecSync of busybox's text filters and small applets run without a shell", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app", { workingDir: "/etc", envs: [{ key: "GREETING", value: new TextEncoder().encode("hi there") }] });
    startContainer(s, "app");
    for (const cmd of [
      ["wc", "-l", "/etc/passwd"],
      ["head", "-n", "1", "passwd"],
      ["tail", "-n", "1", "/etc/group"],
      ["cut", "-d:", "-f1", "/etc/group"],
      ["sort", "-r", "/etc/group"],
      ["basename", "/a/b/c"],
      ["dirname", "/a/b/c"],
      ["pwd"],
      ["whoami"],
      ["printenv", "GREETING"],
      ["printenv"],
      ["env"],
      ["sh", "-c", "env; cd /; pwd"],
    ]) {
      s.runtime.execSync({ containerId: "$app.containerId", cmd, timeout: 10n });
    }
    createContainer(s, "pod", "pod", "user", commands.sleepForever, "user", { linux: { securityContext: { runAsUser: { value: 1000n } } } });
    startContainer(s, "user");
    for (const cmd of [["whoami"], ["env"], ["sh", "-c", "echo $HOME; whoami; echo $?"]]) s.runtime.execSync({ containerId: "$user.containerId", cmd, timeout: 10n });
  }),

  shellScriptsScenario("exec-sync-shell-pipes", "sh -c in ExecSync with pipelines of echo, cat and grep: stdin from the command before, the last command's status", [
    "cat /etc/passwd | grep nobody",
    "echo hi | cat | cat",
    "echo a | grep b || echo none",
    "grep x /nope | cat; echo $?",
    "cat /etc/group | grep -v root | grep -E '^(no|ad)' > /tmp/groups; cat /tmp/groups",
    "echo 'a|b' | grep '|'",
  ]),

  defineScenario("exec-sync-errors", "ExecSync with no command, a missing executable, and in created, exited and stopped containers", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    s.runtime.execSync({ containerId: "$app.containerId", cmd: ["true"], timeout: 10n });
    startContainer(s, "app");
    s.runtime.execSync({ containerId: "$app.containerId", cmd: [], timeout: 10n });
    s.runtime.execSync({ containerId: "$app.containerId", cmd: ["/no/such/binary"], timeout: 10n });
    s.runtime.execSync({ containerId: "$app.containerId", cmd: ["no-such-command"], timeout: 10n });
    createContainer(s, "pod", "pod", "done", commands.true, "done");
    startContainer(s, "done");
    waitExited(s, "done");
    s.runtime.execSync({ containerId: "$done.containerId", cmd: ["true"], timeout: 10n });
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.execSync({ containerId: "$app.containerId", cmd: ["true"], timeout: 10n });
  }),

  defineScenario("exec-streaming-urls", "Exec and Attach: URLs for valid stream combinations, errors for invalid ones and stopped containers", (s) => {
    pullBusybox(s);
    runPod(s, "pod", "pod");
    createContainer(s, "pod", "pod", "app", commands.sleepForever, "app");
    s.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"], stdout: true });
    s.runtime.attach({ containerId: "$app.containerId", stdout: true });
    startContainer(s, "app");
    s.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"], stdout: true });
    s.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"], stdin: true, stdout: true, stderr: true });
    s.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"], stdin: true, stdout: true, tty: true });
    s.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"], stdout: true, stderr: true, tty: true });
    s.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"] });
    s.runtime.exec({ containerId: "$app.containerId", cmd: [], stdout: true });
    s.runtime.exec({ containerId: "$prefix(app.containerId, 10)", cmd: ["sh"], stderr: true });
    s.runtime.attach({ containerId: "$app.containerId", stdout: true });
    s.runtime.attach({ containerId: "$app.containerId", stdin: true, stdout: true, stderr: true });
    s.runtime.attach({ containerId: "$app.containerId", stdin: true, tty: true, stdout: true });
    s.runtime.attach({ containerId: "$app.containerId", stdout: true, stderr: true, tty: true });
    s.runtime.attach({ containerId: "$app.containerId" });
    s.runtime.stopContainer({ containerId: "$app.containerId", timeout: 0n });
    s.runtime.exec({ containerId: "$app.containerId", cmd: ["sh"], stdout: true });
    s.runtime.attach({ containerId: "$app.containerId", stdout: true });
  }),
];
