import { describe, expect, test } from "vitest";
import { kernelTable } from "./kernel-tables.ts";
import { hostNetwork, Network } from "./network.ts";

const text = async (bytes: Promise<Uint8Array | undefined>) => new TextDecoder().decode(await bytes);

describe("the kernel's tables by namespace", () => {
  const network = new Network();
  network.listen(hostNetwork, 8080, () => {});
  network.listen("/var/run/netns/pod", 80, () => {});
  const machine = async (path: string) => new TextEncoder().encode(`the machine's ${path}\n`);

  test("a pod's namespaces: what the fake knows, whatever the machine has", async () => {
    const pod = { network: "/var/run/netns/pod", hostIpc: false };
    expect(await text(kernelTable("/proc/net/tcp", pod, network, machine))).toContain(" 00000000:0050 00000000:0000 0A ");
    expect(await text(kernelTable("/proc/sysvipc/shm", pod, network, machine))).toMatch(/^ +key +shmid perms[^\n]*swap\n$/);
  });

  test("the node's namespaces: the machine's tables where the fake may read them, else the fake's", async () => {
    const node = { network: hostNetwork, hostIpc: true };
    expect(await text(kernelTable("/proc/net/tcp", node, network, machine))).toBe("the machine's /proc/net/tcp\n");
    expect(await text(kernelTable("/proc/sysvipc/shm", node, network, machine))).toBe("the machine's /proc/sysvipc/shm\n");
    const refused = async () => undefined;
    expect(await text(kernelTable("/proc/net/tcp", node, network, refused))).toContain(" 00000000:1F90 00000000:0000 0A ");
    expect(await text(kernelTable("/proc/net/tcp", node, network, undefined))).toContain(" 00000000:1F90 00000000:0000 0A ");
  });

  test("other paths are not tables", async () => {
    expect(await kernelTable("/proc/net/dev", { network: hostNetwork, hostIpc: true }, network, machine)).toBeUndefined();
    expect(await kernelTable("/etc/hostname", { network: hostNetwork, hostIpc: true }, network, machine)).toBeUndefined();
  });
});
