import { describe, expect, test } from "vitest";
import { busyboxId, processUserOf, type ProcessUser } from "./busybox-id.ts";

// The busybox image of golden/cri (scripts/reference builds it): root and nobody, root and nogroup.
const files: Record<string, string> = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
  "/etc/group": "root:x:0:\nnogroup:x:65534:\nstaff:x:50:nobody,other\n",
};
const readText = async (path: string) => files[path];
const root: ProcessUser = { uid: 0, gid: 0, additionalGids: [0] };
const stranger: ProcessUser = { uid: 1000, gid: 2000, additionalGids: [2000, 3000, 65534] };

describe("busybox id", () => {
  test("the process's own IDs, with names where the image has them", async () => {
    expect(await busyboxId([], root, readText)).toEqual({ stdout: "uid=0(root) gid=0(root) groups=0(root)\n", stderr: "", code: 0 });
    expect(await busyboxId([], stranger, readText)).toEqual({ stdout: "uid=1000 gid=2000 groups=2000,3000,65534(nogroup)\n", stderr: "", code: 0 });
    expect((await busyboxId(["-u"], stranger, readText))?.stdout).toBe("1000\n");
    expect((await busyboxId(["-g"], stranger, readText))?.stdout).toBe("2000\n");
    expect((await busyboxId(["-G"], stranger, readText))?.stdout).toBe("2000 3000 65534\n");
    expect((await busyboxId(["-r", "-u"], root, readText))?.stdout).toBe("0\n");
  });

  test("-n prints names; an ID without one is printed as a number, with an error and exit 1", async () => {
    expect(await busyboxId(["-un"], root, readText)).toEqual({ stdout: "root\n", stderr: "", code: 0 });
    expect(await busyboxId(["-u", "-n"], stranger, readText)).toEqual({ stdout: "1000\n", stderr: "id: unknown ID 1000\n", code: 1 });
    expect(await busyboxId(["-Gn"], stranger, readText)).toEqual({
      stdout: "2000 3000 nogroup\n",
      stderr: "id: unknown ID 2000\nid: unknown ID 3000\n",
      code: 1,
    });
  });

  test("a user named on the command line: its IDs from /etc/passwd, its groups from /etc/group", async () => {
    expect((await busyboxId(["nobody"], root, readText))?.stdout).toBe("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup),50(staff)\n");
    expect(await busyboxId(["-u", "no-such-user"], root, readText)).toEqual({ stdout: "", stderr: "id: unknown user no-such-user\n", code: 1 });
  });

  test("forms busybox answers with its usage text are not emulated", async () => {
    for (const args of [["-n"], ["-r"], ["-u", "-g"], ["-x"], ["a", "b"]]) expect(await busyboxId(args, root, readText)).toBeUndefined();
  });

  test("without /etc/passwd and /etc/group every ID is a number", async () => {
    expect((await busyboxId([], root, async () => undefined))?.stdout).toBe("uid=0 gid=0 groups=0\n");
  });

  test("process.user of a spec, with zero values for what is missing", () => {
    expect(processUserOf({ uid: 5, gid: 6, additionalGids: [6, 7] })).toEqual({ uid: 5, gid: 6, additionalGids: [6, 7] });
    expect(processUserOf(undefined)).toEqual({ uid: 0, gid: 0, additionalGids: [] });
  });
});
