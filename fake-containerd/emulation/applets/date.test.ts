import { describe, expect, test } from "vitest";
import { sh, transcript } from "../testing/emulate.ts";

// What the reference image's busybox printed (Debian's 1.35.0, no TZ, no /etc/localtime).
describe("busybox date", () => {
  test("the default format, -u, -R and -I from the fake's clock, which moves with the script", async () => {
    expect(transcript(await sh("date; date -u; sleep 3661; date -R; date -I; date -Iseconds"))).toBe(
      "stdout:Thu Jan  1 00:00:00 UTC 1970\n" +
        "stdout:Thu Jan  1 00:00:00 UTC 1970\n" +
        "stdout:Thu, 01 Jan 1970 01:01:01 +0000\n" +
        "stdout:1970-01-01\n" +
        "stdout:1970-01-01T01:01:01+00:00\n" +
        "exit 0",
    );
  });

  test("+FORMAT: glibc's directives in the C locale; one it lacks stays as written", async () => {
    expect(transcript(await sh("date -u -d @1700000000; date -d @1700000000 '+%c|%x|%X|%r|%k|%l|%u|%w|%C|%h|%A|%B|%N|%P|%G|%V|%U|%q'"))).toBe(
      "stdout:Tue Nov 14 22:13:20 UTC 2023\n" + "stdout:Tue Nov 14 22:13:20 2023|11/14/23|22:13:20|10:13:20 PM|22|10|2|2|20|Nov|Tuesday|November|%N|pm|2023|46|46|%q\n" + "exit 0",
    );
    expect(transcript(await sh("date -d @1796682774 +'%Y-%m-%d %H:%M:%S %a %b %j %s %Z %z %e %p %I %y %T %D %F %R %n%t %%'"))).toBe(
      "stdout:2026-12-07 22:32:54 Mon Dec 341 1796682774 UTC +0000  7 PM 10 26 22:32:54 12/07/26 2026-12-07 22:32 \n\t %\n" + "exit 0",
    );
  });

  test("a POSIX fixed zone (name, hours west of UTC); -u over it", async () => {
    expect(transcript(await sh("TZ=CET-1 date -d @0; TZ=IST-5:30 date -d @0 -Iminutes; TZ=EST+5 date -u -d @0 +%H%Z"))).toBe(
      "stdout:Thu Jan  1 01:00:00 CET 1970\nstdout:1970-01-01T05:30+05:30\nstdout:00UTC\nexit 0",
    );
  });

  test("zone rules, setting the clock and other options are not emulated", async () => {
    expect(transcript(await sh("TZ=CET-1CEST date"))).toBe("stderr:sh: date: not emulated by fake-cri\nexit 127");
    expect(transcript(await sh("date -s 10:00"))).toBe("stderr:sh: date: not emulated by fake-cri\nexit 127");
  });
});
