import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { procNetFile } from "../../proc-net.ts";
import { procSysvipcFile } from "../../proc-sysvipc.ts";
import { emulated, type Tree } from "../testing/emulate.ts";
import type { ProcessEntry } from "./applet.ts";

const passwd = "root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\n";
const stdout = async (args: string[], files: Tree, processes?: ProcessEntry[]) => {
  const script = await emulated(args, { files: { "/etc/passwd": passwd, ...files }, processes });
  return { out: (script.output ?? []).map((chunk) => chunk.data).join(""), code: script.exit?.code };
};

describe("busybox netstat -ln", () => {
  test("reads /proc/net as busybox 1.35 does: the same lines for the same tables", async () => {
    const recorded = JSON.parse(await readFile(new URL("./testing/netstat-busybox-1.35.json", import.meta.url), "utf8")) as { files: Tree; netstat: string };
    expect(await stdout(["netstat", "-ln"], recorded.files)).toEqual({ out: recorded.netstat, code: 0 });
  });

  test("the fake's namespace: its listening ports as LISTEN on 0.0.0.0; -t leaves out the UNIX table, -x the inet one", async () => {
    const files = Object.fromEntries(["tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix"].map((name) => [`/proc/net/${name}`, procNetFile(`/proc/net/${name}`, [80, 12003])!]));
    const { out } = await stdout(["netstat", "-lnt"], files);
    expect(out).toBe(
      "Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address           Foreign Address         State       \n" +
        "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      \ntcp        0      0 0.0.0.0:12003           0.0.0.0:*               LISTEN      \n",
    );
    expect((await stdout(["netstat", "-lnx"], files)).out).toBe("Active UNIX domain sockets (only servers)\nProto RefCnt Flags       Type       State         I-Node Path\n");
  });
});

describe("busybox ipcs -m", () => {
  test("an IPC namespace with no segment: busybox's title and columns between blank lines", async () => {
    const { out, code } = await stdout(["ipcs", "-m"], { "/proc/sysvipc/shm": procSysvipcFile("/proc/sysvipc/shm")! });
    expect(code).toBe(0);
    expect(out).toBe("\n------ Shared Memory Segments --------\nkey        shmid      owner      perms      bytes      nattch     status      \n\n");
  });

  test("a segment of the kernel's table (as ipcmk -M 4096 made it): key in hex, owner by name, perms in octal", async () => {
    const table =
      "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n" +
      "1718001038          0   644                  4096 21740     0      0     0     0     0     0          0          0 1796683030                     0                     0\n";
    const { out } = await stdout(["ipcs", "-m"], { "/proc/sysvipc/shm": table });
    expect(out.split("\n")[3]).toBe("0x66669d8e 0          root       644        4096       0                       ");
  });
});

describe("busybox pidof", () => {
  const table: ProcessEntry[] = [
    { pid: 1, ppid: 0, args: ["nginx: master process nginx -g daemon off;"], name: "nginx", uid: 0 },
    { pid: 7, ppid: 1, args: ["nginx: worker process"], name: "nginx", uid: 101 },
    { pid: 13, ppid: 0, args: ["/bin/sleep", "600"], name: "sleep", uid: 0 },
  ];

  test("matches the kernel's name or argv[0]'s base name; highest PID first; exit 1 and no output when none", async () => {
    expect(await stdout(["pidof", "nginx", "||", "true"], {}, table)).toEqual({ out: "7 1\n", code: 0 });
    expect(await stdout(["pidof", "sleep", "nginx"], {}, table)).toEqual({ out: "13 7 1\n", code: 0 });
    expect(await stdout(["pidof", "-s", "nginx"], {}, table)).toEqual({ out: "7\n", code: 0 });
    expect(await stdout(["pidof", "-o", "7", "nginx"], {}, table)).toEqual({ out: "1\n", code: 0 });
    expect(await stdout(["pidof", "httpd"], {}, table)).toEqual({ out: "", code: 1 });
  });
});
