import { describe, expect, test } from "vitest";
import type { ProcessUser } from "../../processes/script.ts";
import { busyboxIdOf } from "./id.ts";

// The busybox image of golden/cri (scripts/reference builds it): root and nobody, root and nogroup.
const files: Record<string, string> = {
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
  "/etc/group": "root:x:0:\nnogroup:x:65534:\nstaff:x:50:nobody,other\n",
};
const id = (args: string[], self: ProcessUser) => busyboxIdOf(args, self, files["/etc/passwd"], files["/etc/group"]);
const root: ProcessUser = { uid: 0, gid: 0, additionalGids: [0] };
const stranger: ProcessUser = { uid: 1000, gid: 2000, additionalGids: [2000, 3000, 65534] };

describe("busybox id", () => {
  test("the process's own IDs, with names where the image has them", () => {
    expect(id([], root)).toEqual({ stdout: "uid=0(root) gid=0(root) groups=0(root)\n", stderr: "", code: 0 });
    expect(id([], stranger)).toEqual({ stdout: "uid=1000 gid=2000 groups=2000,3000,65534(nogroup)\n", stderr: "", code: 0 });
    expect(id(["-u"], stranger)?.stdout).toBe("1000\n");
    expect(id(["-g"], stranger)?.stdout).toBe("2000\n");
    expect(id(["-G"], stranger)?.stdout).toBe("2000 3000 65534\n");
    expect(id(["-r", "-u"], root)?.stdout).toBe("0\n");
  });

  test("-n prints names; an ID without one is printed as a number, with an error and exit 1", () => {
    expect(id(["-un"], root)).toEqual({ stdout: "root\n", stderr: "", code: 0 });
    expect(id(["-u", "-n"], stranger)).toEqual({ stdout: "1000\n", stderr: "id: unknown ID 1000\n", code: 1 });
    expect(id(["-Gn"], stranger)).toEqual({
      stdout: "2000 3000 nogroup\n",
      stderr: "id: unknown ID 2000\nid: unknown ID 3000\n",
      code: 1,
    });
  });

  test("a user named on the command line: its IDs from /etc/passwd, its groups from /etc/group", () => {
    expect(id(["nobody"], root)?.stdout).toBe("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup),50(staff)\n");
    expect(id(["-u", "no-such-user"], root)).toEqual({ stdout: "", stderr: "id: unknown user no-such-user\n", code: 1 });
  });

  test("forms busybox answers with its usage text are not emulated", () => {
    for (const args of [["-n"], ["-r"], ["-u", "-g"], ["-x"], ["a", "b"]]) expect(id(args, root)).toBeUndefined();
  });

  test("without /etc/passwd and /etc/group every ID is a number", () => {
    expect(busyboxIdOf([], root, undefined, undefined)?.stdout).toBe("uid=0 gid=0 groups=0\n");
  });
});
