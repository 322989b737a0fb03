import { expect, test } from "vitest";
import { VirtualClock } from "./clock.ts";
import type { FileChange, ProcessContext } from "./processes/script.ts";
import { webServerFor } from "./web-servers.ts";

/** nginx's stand-in run against a stub process: what it asks of its process, in order. */
async function startNginx(nginxConf: string) {
  const files: Record<string, string> = { "/etc/nginx/nginx.conf": nginxConf, "/etc/nginx/conf.d/default.conf": "server {\n    listen 80;\n}\n" };
  const acts: Array<[string, unknown]> = [];
  let signal: ((signal: number) => void) | undefined;
  let resolveExited!: () => void;
  const exited = new Promise<void>((resolve) => (resolveExited = resolve));
  let nextPid = 7;
  const p = {
    namespace: "k8s.io", containerId: "web", execId: undefined, args: ["nginx", "-g", "daemon off;"], env: [], cwd: "/",
    user: { uid: 0, gid: 0, additionalGids: [] }, terminal: false, pid: 4321, pidInNamespace: 1, clock: new VirtualClock(),
    exited, hasExited: false, stdin: (async function* () {})(),
    write: () => {}, exit: (code: number) => { acts.push(["exit", code]); resolveExited(); }, oom: () => {}, sleep: async () => {},
    onSignal: (handler: (signal: number) => void) => (signal = handler),
    readFile: async (path: string) => (path in files ? new TextEncoder().encode(files[path]) : undefined),
    readDir: async (path: string) => (path === "/etc/nginx/conf.d" ? ["default.conf"] : undefined),
    changeFile: (change: FileChange) => acts.push(["file", change]),
    listen: (port: number) => acts.push(["listen", port]),
    run: async () => 0,
    setCommandLine: (args: readonly string[]) => acts.push(["title", args]),
    fork: (args: readonly string[]) => { acts.push(["fork", args]); return nextPid++; },
  } satisfies ProcessContext;
  const done = Promise.resolve(webServerFor(p.args)!(p));
  await new Promise((resolve) => setTimeout(resolve, 0));
  return { acts, stop: async (n: number) => { signal?.(n); await done; } };
}

test("nginx's master writes its PID to nginx.conf's pid file, names itself and forks its workers; a clean stop deletes the file", async () => {
  const nginx = await startNginx("user nginx;\nworker_processes 2;\npid /run/nginx.pid;\n");
  // As nginx starts: its listening sockets, then the pid file, then the master's title and workers.
  expect(nginx.acts).toEqual([
    ["listen", 80],
    ["file", { path: "/run/nginx.pid", change: "write", data: "1\n" }],
    ["title", ["nginx: master process nginx -g daemon off;"]],
    ["fork", ["nginx: worker process"]],
    ["fork", ["nginx: worker process"]],
  ]);
  await nginx.stop(15);
  expect(nginx.acts.slice(5)).toEqual([["file", { path: "/run/nginx.pid", change: "remove" }], ["exit", 0]]);
});

test("without pid or worker_processes directives: /var/run/nginx.pid (the official image's build) and one worker", async () => {
  const nginx = await startNginx("events {}\n");
  expect(nginx.acts.slice(1, 4)).toEqual([
    ["file", { path: "/var/run/nginx.pid", change: "write", data: "1\n" }],
    ["title", ["nginx: master process nginx -g daemon off;"]],
    ["fork", ["nginx: worker process"]],
  ]);
  await nginx.stop(3);
});
