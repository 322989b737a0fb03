import { describe, expect, test } from "vitest";
import { emulated, transcript, type EmulateOptions, type Tree } from "../testing/emulate.ts";

const tree: Tree = {
  "/": ["etc", "root", "tmp", "numbers"],
  "/root": [],
  "/etc": ["passwd", "group", "hostname"],
  "/tmp": [],
  "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n",
  "/etc/group": "root:x:0:\nwww:x:33:\n",
  "/etc/hostname": "pod\n",
  "/numbers": "10\n9\n100\n9\nx\n",
};

function access(user = { uid: 0, gid: 0, additionalGids: [] as number[] }, cwd = "/"): EmulateOptions {
  return { files: tree, user, cwd };
}

/** `sh -c` as an exec runs it: runc's environment (with HOME) imported into ash. */
const sh = async (script: string, env: string[] = [], files = access()) => transcript(await emulated(["sh", "-c", script], { env, ...files }));
const exec = async (args: string[], env: string[] = [], files = access()) => transcript(await emulated(args, { env, ...files }));

describe("wc", () => {
  test("one count of one file is bare; more counts, or more files, take 9 columns and a total", async () => {
    expect(await exec(["wc", "-l", "/etc/passwd"])).toBe("stdout:2 /etc/passwd\nexit 0");
    expect(await sh("wc /etc/group /etc/hostname")).toBe("stdout:        2         2        20 /etc/group\n        1         1         4 /etc/hostname\n        3         3        24 total\nexit 0");
    expect(await sh("echo 'a b  c' | wc -c -l; cat /etc/passwd | wc -l")).toBe("stdout:        1         7\nstdout:2\nexit 0");
  });

  test("a missing file is an error with no counts but still makes a total; a directory counts as empty", async () => {
    expect(await sh("wc -l /nope /etc/group")).toBe("stderr:wc: /nope: No such file or directory\nstdout:        2 /etc/group\n        2 total\nexit 1");
    expect(await sh("wc -l /etc")).toBe("stderr:wc: /etc: Is a directory\nstdout:0 /etc\nexit 1");
  });
});

describe("head and tail", () => {
  test("the first or last N lines, 10 by default, -N and +N (tail: from line N)", async () => {
    expect(await sh("head -n 1 /etc/passwd; head -1 /etc/group; tail -n 1 /numbers; tail -n +4 /numbers; tail -2 /etc/group")).toBe(
      "stdout:root:x:0:0:root:/root:/bin/sh\nstdout:root:x:0:\nstdout:x\nstdout:9\nx\nstdout:root:x:0:\nwww:x:33:\nexit 0",
    );
  });

  test("several files get headings; head counts them by operand, tail by the files it opened", async () => {
    expect(await sh("head -n 1 /nope /etc/hostname")).toBe("stderr:head: /nope: No such file or directory\nstdout:\n==> /etc/hostname <==\npod\nexit 1");
    expect(await sh("tail -n 1 /nope /etc/hostname /etc/group")).toBe(
      "stderr:tail: can't open '/nope': No such file or directory\nstdout:==> /etc/hostname <==\npod\nstdout:\n==> /etc/group <==\nwww:x:33:\nexit 1",
    );
    expect(await sh("tail /nope")).toBe("stderr:tail: can't open '/nope': No such file or directory\nstderr:tail: no files\nexit 1");
  });
});

describe("cut, sort, uniq, tr", () => {
  test("cut: fields by a delimiter (lines without one whole, unless -s), characters by position", async () => {
    expect(await exec(["cut", "-d:", "-f1,6", "/etc/passwd"])).toBe("stdout:root:/root\nwww:/var/www\nexit 0");
    expect(await sh("cut -d : -f 3- /etc/group; cut -c2-3 /etc/hostname; cut -d: -f2 /numbers | head -n 1; cut -s -d: -f1 /numbers")).toBe(
      "stdout:0:\n33:\nstdout:od\nstdout:10\nexit 0",
    );
  });

  test("sort: bytes, or -n by leading number with the line breaking ties; -r reverses both; -u keeps one of each key", async () => {
    expect(await sh("sort /numbers")).toBe("stdout:10\n100\n9\n9\nx\nexit 0");
    expect(await sh("sort -n /numbers")).toBe("stdout:x\n9\n9\n10\n100\nexit 0");
    expect(await sh("sort -rnu /numbers /etc/hostname")).toBe("stdout:100\n10\n9\nx\nexit 0");
    expect(await sh("sort /etc/group /nope; echo $?")).toBe("stderr:sort: /nope: No such file or directory\nstdout:2\nexit 0");
  });

  test("uniq: adjacent repeats once, -c counts them, -d and -u keep the repeated or the single ones", async () => {
    expect(await sh("sort /numbers | uniq -c")).toBe("stdout:      1 10\n      1 100\n      2 9\n      1 x\nexit 0");
    expect(await sh("sort /numbers | uniq -d; sort /numbers | uniq -u | wc -l")).toBe("stdout:9\nstdout:3\nexit 0");
  });

  test("tr: ranges, escapes and padding with SET2's last character; -d deletes", async () => {
    expect(await sh("echo Hello | tr a-z A-Z; echo a:b | tr : '\\n'; echo abcd | tr a-d xy; echo hello | tr -d l-o")).toBe(
      "stdout:HELLO\nstdout:a\nb\nstdout:xyyy\nstdout:he\nexit 0",
    );
  });

  test("a filter reading the process's own stdin, an option it does not know, or a character class is not emulated", async () => {
    expect(await exec(["wc", "-l"])).toBe("stderr:wc: not emulated by fake-cri\nexit 127");
    expect(await exec(["sort", "-k2", "/numbers"])).toBe("stderr:sort: not emulated by fake-cri\nexit 127");
    expect(await sh("echo a | tr '[:lower:]' '[:upper:]'")).toBe("stderr:sh: tr: not emulated by fake-cri\nexit 127");
  });
});

describe("basename, dirname, pwd, whoami, env, cd", () => {
  test("basename and dirname", async () => {
    expect(await sh("basename /a/b.sh .sh; basename /a/b/; basename /; basename b.sh b.sh; dirname /a/b/; dirname a; dirname /a; dirname //")).toBe(
      "stdout:b\nstdout:b\nstdout:/\nstdout:b.sh\nstdout:/a\nstdout:.\nstdout:/\nstdout:/\nexit 0",
    );
  });

  test("pwd is the working directory; whoami names the user from /etc/passwd, or fails for an unknown uid", async () => {
    expect(await exec(["pwd"], [], access(undefined, "/etc"))).toBe("stdout:/etc\nexit 0");
    expect(await exec(["whoami"], [], access({ uid: 33, gid: 33, additionalGids: [] }))).toBe("stdout:www\nexit 0");
    expect(await exec(["whoami"], [], access({ uid: 1000, gid: 0, additionalGids: [] }))).toBe("stderr:whoami: unknown uid 1000\nexit 1");
  });

  test("runc adds HOME from the user's /etc/passwd entry (/ without one) unless the spec sets it", async () => {
    expect(await exec(["env"], ["PATH=/bin", "A=1"])).toBe("stdout:PATH=/bin\nA=1\nHOME=/root\nexit 0");
    expect(await exec(["env"], ["HOME=/x"])).toBe("stdout:HOME=/x\nexit 0");
    expect(await sh("echo $HOME", [], access({ uid: 1000, gid: 0, additionalGids: [] }))).toBe("stdout:/\nexit 0");
    expect(await sh("unset HOME PWD; echo [$HOME$PWD]; env")).toBe("stdout:[]\nstdout:SHLVL=1\nexit 0");
  });

  test("env in sh lists ash's exported variables by its hash buckets, newest first in one, with SHLVL and PWD", async () => {
    expect(await sh("export B=2 A=1 ZED=3; C=4; env", ["PATH=/bin", "HOSTNAME=pod"])).toBe(
      "stdout:HOSTNAME=pod\nSHLVL=1\nHOME=/root\nA=1\nPATH=/bin\nZED=3\nB=2\nPWD=/\nexit 0",
    );
    expect(await sh("unset HOSTNAME; export X; env | grep -v PATH", ["PATH=/bin", "HOSTNAME=pod", "SHLVL=3"])).toBe("stdout:SHLVL=4\nHOME=/root\nPWD=/\nexit 0");
  });

  test("cd moves the script (PWD and OLDPWD follow); a path that is no directory fails with status 2 and the script's line", async () => {
    expect(await sh("cd etc && pwd && cat hostname; env | grep PWD; cd; pwd")).toBe("stdout:/etc\nstdout:pod\nstdout:OLDPWD=/\nPWD=/etc\nstdout:/root\nexit 0");
    expect(await sh("true\n\ncd /nope; echo $?\ncd /etc/passwd")).toBe(
      "stderr:sh: cd: line 2: can't cd to /nope: No such file or directory\nstdout:2\nstderr:sh: cd: line 3: can't cd to /etc/passwd: Not a directory\nexit 2",
    );
  });

  test("pwd is ash's builtin in a script, from the process's working directory", async () => {
    expect(await emulated(["sh", "-c", "pwd"], access(undefined, "/tmp"))).toEqual({ output: [{ stream: "stdout", data: "/tmp\n", atMs: 0 }], exit: { code: 0, afterMs: 0 } });
  });
});

describe("printf and tee", () => {
  test("printf: conversions with flags, width and precision; the format again for arguments left; escapes", async () => {
    expect(await sh(`printf '%s-%s\\n' x y z; printf '[%5s|%-5s|%.2s]' ab cd efgh`)).toBe("stdout:x-y\nz-\nstdout:[   ab|cd   |ef]exit 0");
    expect(await sh(`printf '%d %x %X %o %u %c %%|%05d|%-4d|%+d|%.3d|%#x|%x\\n' 42 255 255 8 3 word 42 7 5 9 255 -1`)).toBe(
      "stdout:42 ff FF 10 3 w %|00042|7   |+5|009|0xff|ffffffffffffffff\nexit 0",
    );
    expect(await sh(`printf '%f %.2f %e %g %g %g %G\\n' 1.5 3.14159 12345 0.0001 100000000 0.00001234 1e-10`)).toBe(
      "stdout:1.500000 3.14 1.234500e+04 0.0001 1e+08 1.234e-05 1E-10\nexit 0",
    );
    expect(await sh(`printf '\\101\\x41\\0042|%b|\\c' 'a\\0101\\nb'; echo; printf "%d\\n" "'A" 0x10 010`)).toBe("stdout:AA\x042|aA\nb|stdout:\nstdout:65\n16\n8\nexit 0");
  });

  test("printf: a number that does not parse prints 0 with an error; an unknown conversion ends it", async () => {
    expect(await sh(`printf '%d|' abc 12abc; echo $?; printf 'a%qb'; echo $?`)).toBe(
      "stderr:sh: invalid number 'abc'\nsh: invalid number '12abc'\nstdout:0|0|stdout:1\nstderr:sh: %qb: invalid format\nstdout:astdout:1\nexit 0",
    );
    expect(await exec(["printf", "%d", "x"])).toBe("stderr:printf: invalid number 'x'\nstdout:0exit 1");
  });

  test("tee: the pipe to stdout and into each file it can open, -a appending", async () => {
    expect(await sh("echo hi | tee /tmp/a /nope/b; echo $?; echo more | tee -a /tmp/a; cat /tmp/a")).toBe(
      "stderr:tee: /nope/b: No such file or directory\nstdout:hi\nstdout:1\nstdout:more\nstdout:hi\nmore\nexit 0",
    );
  });
});

describe("awk's print of fields, and tr -s", () => {
  test("awk '{ print ... }': fields at blanks or at -F's character, $NF, $0, strings side by side, commas as spaces", async () => {
    expect(await sh("awk -F: '{print $1, $NF}' /etc/passwd; echo ' a  b ' | awk '{ print $2 \"!\" $1 }'; awk '{print}' /etc/hostname")).toBe(
      "stdout:root /bin/sh\nwww /bin/false\nstdout:b!a\nstdout:pod\nexit 0",
    );
    expect(await sh("awk '{print $1}' /nope /etc/hostname")).toBe("stderr:awk: /nope: No such file or directory\nexit 1");
    for (const program of ["{print $1 > \"/tmp/x\"}", "NR==1", "{print $1; print $2}", "BEGIN{print}"]) {
      expect(await exec(["awk", program, "/etc/passwd"]), program).toBe("stderr:awk: not emulated by fake-cri\nexit 127");
    }
  });

  test("tr -s squeezes runs of the last set's characters, after translating", async () => {
    expect(await sh("echo 'a  b' | tr -s ' '; echo 'a  b' | tr -s ' ' _; echo aabbc | tr -s a-b")).toBe("stdout:a b\nstdout:a_b\nstdout:abc\nexit 0");
  });
});

describe("files under a mount the node keeps", () => {
  test("a path that reads as a file is one, though the mount lists every path under it as a directory", async () => {
    const proc = { files: { "/proc/self/status": "Name:\tsh\nSeccomp:\t0\n" }, readDir: (path: string) => (path.startsWith("/proc") ? [] : undefined) };
    expect(await sh("[ -f /proc/self/status ] && wc -l /proc/self/status; grep -c Seccomp /proc/self/status; [ -d /proc/self ] && echo dir", [], proc)).toBe(
      "stdout:2 /proc/self/status\nstdout:1\nstdout:dir\nexit 0",
    );
  });
});
