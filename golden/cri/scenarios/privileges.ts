// What a container's privileges let its processes do, as critest's Security Context specs try it:
// busybox's brctl, ping, hostname and chmod under added and dropped capabilities, privileged
// containers and seccomp profiles (the runtime's default, unconfined, and Localhost profiles that
// block sethostname or chmod), and masked and read-only paths. The Localhost profiles are written
// by a first container into a volume, so that the scenario needs no file of its own on the node.

import { SecurityProfile_ProfileType, type LinuxContainerSecurityContext, type DeepPartial } from "../../../src/cri/api/v1.ts";
import { defineScenario, type Scenario, type ScenarioBuilder } from "../scenario.ts";
import { commands, createContainer, pullBusybox, runPod, startContainer, waitExited } from "./common.ts";

type SecurityContext = DeepPartial<LinuxContainerSecurityContext>;

const profiles = "$logRoot/profiles";
const blockHostname = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["sethostname"],"action":"SCMP_ACT_ERRNO"}]}';
const blockChmod = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["chmod","fchmodat"],"action":"SCMP_ACT_ERRNO"}]}';
const localhost = (file: string) => ({ profileType: SecurityProfile_ProfileType.Localhost, localhostRef: `${profiles}/${file}` });
const unconfined = { profileType: SecurityProfile_ProfileType.Unconfined };

/** A running busybox container with this security context, saved as `name`. */
function running(s: ScenarioBuilder, pod: string, name: string, securityContext: SecurityContext, extra: Record<string, unknown> = {}): void {
  createContainer(s, pod, pod, name, commands.sleepForever, name, { linux: { securityContext }, ...extra }, pod === "priv" ? { linux: { securityContext: { privileged: true } } } : {});
  startContainer(s, name);
}

function exec(s: ScenarioBuilder, name: string, cmd: readonly string[], timeout = 10n): void {
  s.runtime.execSync({ containerId: `$${name}.containerId`, cmd: [...cmd], timeout });
}

export const privileges: Scenario[] = [
  defineScenario(
    "exec-sync-capabilities",
    "brctl addbr, ping, hostname NAME, chmod and mount --bind in ExecSync under the default capabilities, NET_ADMIN and SYS_ADMIN added, NET_RAW and ALL dropped, and in a privileged container",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      runPod(s, "priv", "priv", { linux: { securityContext: { privileged: true } } });
      running(s, "pod", "plain", {});
      running(s, "pod", "netadmin", { capabilities: { addCapabilities: ["NET_ADMIN"] } });
      running(s, "pod", "noraw", { capabilities: { dropCapabilities: ["NET_RAW"] } });
      running(s, "pod", "none", { capabilities: { dropCapabilities: ["ALL"] } });
      running(s, "priv", "privileged", { privileged: true });
      exec(s, "plain", ["brctl", "addbr", "foobar"]);
      exec(s, "netadmin", ["brctl", "addbr", "foobar"]);
      exec(s, "privileged", ["brctl", "addbr", "foobar"]);
      exec(s, "noraw", ["ping", "127.0.0.1"]);
      exec(s, "none", ["ping", "-c", "1", "127.0.0.1"]);
      exec(s, "plain", ["hostname", "ANewHostName"]);
      exec(s, "privileged", ["hostname", "ANewHostName"]);
      exec(s, "none", ["chmod", "400", "/tmp"]);
      exec(s, "none", ["sh", "-c", "chmod 755 /tmp && echo changed"]);
      exec(s, "plain", ["sh", "-c", "chmod 400 /tmp && chmod 1777 /tmp && echo changed"]);
      exec(s, "plain", ["mount", "--bind", "/etc", "/tmp"]);
      exec(s, "netadmin", ["sh", "-c", "mount -o bind /etc /tmp; echo [$?]"]);
    },
  ),

  defineScenario(
    "exec-sync-seccomp",
    "hostname NAME and chmod in ExecSync under seccomp: SYS_ADMIN with the runtime's default profile, unconfined, and a Localhost profile blocking sethostname; a Localhost profile blocking chmod; a privileged container given the blocking profile",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      runPod(s, "priv", "priv", { linux: { securityContext: { privileged: true } } });
      const volume = { mounts: [{ hostPath: profiles, containerPath: "/profiles" }] };
      createContainer(s, "pod", "pod", "writer", ["sh", "-c", `echo '${blockHostname}' > /profiles/block-hostname.json && echo '${blockChmod}' > /profiles/block-chmod.json`], "writer", volume);
      startContainer(s, "writer");
      waitExited(s, "writer");
      const sysAdmin = { capabilities: { addCapabilities: ["SYS_ADMIN"] } };
      running(s, "pod", "default", { ...sysAdmin, seccomp: {} });
      running(s, "pod", "unconfined", { ...sysAdmin, seccomp: unconfined });
      running(s, "pod", "blocked", { ...sysAdmin, seccomp: localhost("block-hostname.json") });
      running(s, "pod", "nochmod", { seccomp: localhost("block-chmod.json") });
      running(s, "priv", "privileged", { privileged: true, seccomp: localhost("block-hostname.json") });
      for (const name of ["default", "unconfined", "blocked", "privileged"]) exec(s, name, ["hostname", "ANewHostName"]);
      exec(s, "nochmod", ["chmod", "400", "/"]);
      exec(s, "nochmod", ["grep", "Seccomp:", "/proc/self/status"]);
      exec(s, "blocked", ["chmod", "755", "/tmp"]);
    },
  ),

  defineScenario(
    "exec-sync-masked-readonly-paths",
    "ExecSync in containers with maskedPaths (a file reads empty and does not run, a directory lists empty) and readonlyPaths (writes fail with EROFS)",
    (s) => {
      pullBusybox(s);
      runPod(s, "pod", "pod");
      const volume = { mounts: [{ hostPath: "$logRoot/pod/volume", containerPath: "/vol" }] };
      createContainer(s, "pod", "pod", "writer", ["sh", "-c", "mkdir -p /vol/dir && echo 'echo ran' > /vol/run.sh && chmod 755 /vol/run.sh && touch /vol/dir/file"], "writer", volume);
      startContainer(s, "writer");
      waitExited(s, "writer");
      running(s, "pod", "masked", { maskedPaths: ["/vol/run.sh", "/vol/dir", "/etc/passwd"] }, volume);
      for (const script of ["/vol/run.sh", "cat /vol/run.sh; echo [$?]", "ls -A /vol/dir; echo [$?]", "cat /etc/passwd; echo [$?]", "touch /vol/dir/new", "echo x > /etc/passwd; echo [$?]"]) {
        exec(s, "masked", ["sh", "-c", script]);
      }
      exec(s, "masked", ["/bin/sh", "-c", "/vol/run.sh"]);
      running(s, "pod", "readonly", { readonlyPaths: ["/tmp", "/vol/dir"] }, volume);
      exec(s, "readonly", ["touch", "/tmp/test"]);
      for (const script of ["ls -A /vol/dir; touch /vol/dir/new", "echo x > /tmp/x", "mkdir /tmp/d", "rm /vol/dir/file", "touch /vol/other && echo ok"]) {
        exec(s, "readonly", ["sh", "-c", script]);
      }
    },
  ),
];
