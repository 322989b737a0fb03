// critest v1.37.0 (sigs.k8s.io/cri-tools' conformance suite, built by scripts/crictl.sh) against
// `fake-cri serve` as a child process, once per containerd profile: the whole suite, every spec
// critest does not skip by itself, and each spec must end as critest-specs.ts lists it for that
// profile (passing, or failing with a reason); a spec not listed fails the test, and so does one
// listed as failing that passes. The streaming specs run again over WebSocket. critest runs its
// specs on 8 Ginkgo processes (--parallel 8, the Ginkgo CLI from scripts/crictl.sh --ginkgo): the
// specs that fail by waiting out critest's own timeouts (60 s, 30 s) then wait side by side. The
// fake and critest run in a network namespace of their own where the pods' addresses are on lo
// (serveFakeInNetns), since critest fetches pages from a pod's address.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { stopFakeCri } from "../fake-cri-process.ts";
import { buildCriTool, buildTimeoutMs, run, serveFakeInNetns, skip } from "./cri-tools.ts";
import { failingSpecs, passingSpecs, skippedSpecs, streamingSpecs, type Containerd, type SpecGroup } from "./critest-specs.ts";

/** The part of Ginkgo's JSON report read here. */
interface GinkgoReport {
  SpecReports: Array<{
    State: string;
    LeafNodeType: string;
    LeafNodeText: string;
    ContainerHierarchyTexts: string[] | null;
    Failure?: { Message: string };
  }>;
}

/** Ginkgo processes critest runs the specs on. */
const parallel = 8;

/** The slowest specs wait out critest's 60 s timeouts; a spec stuck beyond its own timeout fails the run. */
const runTimeoutMs = 5 * 60_000;

const profiles: readonly Containerd[] = ["2.4", "1.6"];

const regexpQuote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * What the node shares with critest, which runs on it: the host's /dev/shm (a host-IPC container
 * mounts it), the kernel's System V IPC and socket tables, which host-IPC and host-network
 * containers see (critest makes a segment with ipcmk and listens on a port, then looks from inside),
 * and its mount table (critest mounts in the host directories it gives containers as volumes).
 */
const nodeShared = ["/dev/shm", "/proc/sysvipc", "/proc/net", "/proc/self/mountinfo"];

const inProfile = (groups: readonly SpecGroup[], containerd: Containerd): Set<string> =>
  new Set(groups.filter((group) => (group.containerd ?? containerd) === containerd).flatMap((group) => group.specs));

/** What each listed spec is expected to do under `containerd`: "passed", "failed" or "skipped". */
function expectedStates(containerd: Containerd, specs: readonly string[]): Map<string, string> {
  const failing = inProfile(failingSpecs, containerd);
  const skipped = inProfile(skippedSpecs, containerd);
  return new Map(specs.map((spec) => [spec, skipped.has(spec) ? "skipped" : failing.has(spec) ? "failed" : "passed"]));
}

/** Runs critest (with `flags`) against a fake answering as `containerd`; each spec it ran, by name, with its state. */
async function critest(containerd: Containerd, flags: readonly string[]): Promise<Map<string, { state: string; failure: string }>> {
  const [binary, ginkgo] = [await buildCriTool(["--critest"]), await buildCriTool(["--ginkgo"])];
  const work = mkdtempSync(join(tmpdir(), "fake-cri-critest-"));
  const served = await serveFakeInNetns(work, ["--containerd", containerd], nodeShared);
  try {
    const report = join(work, "report.json");
    const argv = served.inNetns([
      binary,
      "--runtime-endpoint", served.endpoint,
      "--image-endpoint", served.endpoint,
      `--parallel=${parallel}`,
      `--ginkgo.json-report=${report}`,
      "--ginkgo.no-color",
      ...flags,
    ]);
    // critest makes its hostPath volumes and pod log directories in TMPDIR.
    const env = { ...process.env, TMPDIR: served.hostRoot, PATH: `${dirname(ginkgo)}:${process.env.PATH}` };
    const result = await run(argv[0]!, argv.slice(1), { timeoutMs: runTimeoutMs, env });
    let reports: GinkgoReport["SpecReports"];
    try {
      reports = (JSON.parse(readFileSync(report, "utf8")) as GinkgoReport[])[0]!.SpecReports.filter((s) => s.LeafNodeType === "It");
    } catch (error) {
      throw new Error(`critest wrote no report (exit ${result.code}): ${result.stderr.slice(-2000)}\nfake-cri: ${served.stderr()}`, { cause: error });
    }
    const name = (s: GinkgoReport["SpecReports"][number]) => [...(s.ContainerHierarchyTexts ?? []), s.LeafNodeText].join(" ");
    // Ginkgo reports a spec that timed out, panicked or was interrupted in states of their own.
    const state = (s: GinkgoReport["SpecReports"][number]) => (s.State === "passed" || s.State === "skipped" ? s.State : "failed");
    return new Map(reports.map((s) => [name(s), { state: state(s), failure: `${s.State}: ${s.Failure?.Message ?? ""}` }]));
  } finally {
    await stopFakeCri(served);
    rmSync(work, { recursive: true, force: true });
  }
}

/** Each spec that did not end as listed, with what it did; a spec critest skipped by itself need not be listed. */
function unexpected(ran: Map<string, { state: string; failure: string }>, expected: Map<string, string>): string[] {
  const wrong: string[] = [];
  for (const [spec, { state, failure }] of ran) {
    const listed = expected.get(spec);
    if (listed === undefined && state !== "skipped") wrong.push(`${spec}: not listed in critest-specs.ts; it ${state === "passed" ? "passed" : failure}`);
    else if (listed !== undefined && listed !== state) wrong.push(`${spec}: listed as ${listed}, but ${state === "failed" ? failure : state}`);
  }
  for (const spec of expected.keys()) if (!ran.has(spec)) wrong.push(`${spec}: listed, but critest has no such spec`);
  return wrong;
}

if (skip) {
  test.skip("critest against fake-cri serve: skipped because FAKE_CRI_SKIP_CRICTL=1", () => {});
}

describe.skipIf(skip)("critest v1.37.0 against fake-cri serve", () => {
  const listed = [...passingSpecs, ...streamingSpecs, ...failingSpecs.flatMap((group) => group.specs), ...skippedSpecs.flatMap((group) => group.specs)];

  test("each spec is listed once as passing, and at most once more per profile as failing or skipped", () => {
    const always = new Set(failingSpecs.filter((group) => !group.containerd).flatMap((group) => group.specs));
    const passing = [...passingSpecs, ...streamingSpecs];
    expect(passing.filter((spec) => always.has(spec))).toEqual([]);
    expect(new Set(passing).size).toBe(passing.length);
    for (const containerd of profiles) {
      const perProfile = [failingSpecs, skippedSpecs].flatMap((groups) => groups.filter((group) => (group.containerd ?? containerd) === containerd).flatMap((group) => group.specs));
      expect(perProfile.filter((spec, i) => perProfile.indexOf(spec) !== i)).toEqual([]);
    }
  });

  // The two profiles' runs wait side by side.
  describe.concurrent.each(profiles)("--containerd %s", (containerd) => {
    test(
      "every spec ends as listed (streaming over SPDY)",
      async () => {
        const ran = await critest(containerd, []);
        expect(unexpected(ran, expectedStates(containerd, listed))).toEqual([]);
      },
      buildTimeoutMs + runTimeoutMs,
    );

    test(
      "the streaming specs end as listed over WebSocket",
      async () => {
        const focus = streamingSpecs.map(regexpQuote).join("|");
        const ran = await critest(containerd, [`--ginkgo.focus=${focus}`, "--websocket-exec", "--websocket-attach", "--websocket-portforward"]);
        const streaming = new Map([...ran].filter(([, { state }]) => state !== "skipped"));
        expect(unexpected(streaming, expectedStates(containerd, streamingSpecs))).toEqual([]);
      },
      buildTimeoutMs + runTimeoutMs,
    );
  });
});
