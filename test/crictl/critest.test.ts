// critest v1.37.0 (sigs.k8s.io/cri-tools' conformance suite, built by scripts/crictl.sh) against
// `fake-cri serve` as a child process: every spec critest-specs.ts lists as passing runs, and
// passes, the streaming ones over SPDY and again over WebSocket. Both run in a network namespace
// of their own where the pods' addresses are on lo (serveFakeInNetns), since critest fetches
// pages from a pod's address. The list of specs that cannot pass, and why, is beside it.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { stopFakeCri } from "../fake-cri-process.ts";
import { buildCriTool, buildTimeoutMs, run, serveFakeInNetns, skip } from "./cri-tools.ts";
import { failingSpecs, passingSpecs, streamingSpecs } from "./critest-specs.ts";

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

const regexpQuote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * What the node shares with critest, which runs on it: the host's /dev/shm (a host-IPC container
 * mounts it), and the kernel's System V IPC and socket tables, which host-IPC and host-network
 * containers see (critest makes a segment with ipcmk and listens on a port, then looks from inside).
 */
const nodeShared = ["/dev/shm", "/proc/sysvipc", "/proc/net"];

/** The listed specs take about 10 s; a spec that waits for what never comes fails after a minute. */
const runTimeoutMs = 10 * 60_000;

if (skip) {
  test.skip("critest against fake-cri serve: skipped because FAKE_CRI_SKIP_CRICTL=1", () => {});
}

describe.skipIf(skip)("critest v1.37.0 against fake-cri serve", () => {
  test("the lists of passing and failing specs do not overlap", () => {
    const failing = new Set(failingSpecs.flatMap((group) => group.specs));
    const passing = [...passingSpecs, ...streamingSpecs];
    expect(passing.filter((spec) => failing.has(spec))).toEqual([]);
    expect(new Set(passing).size).toBe(passing.length);
  });

  const runSpecs = (title: string, specs: readonly string[], flags: readonly string[]) =>
    test(
      title,
      async () => {
        const critest = await buildCriTool(["--critest"]);
        const work = mkdtempSync(join(tmpdir(), "fake-cri-critest-"));
        const served = await serveFakeInNetns(work, nodeShared);
        try {
          const report = join(work, "report.json");
          const focus = specs.map(regexpQuote).join("|");
          const argv = served.inNetns([
            critest,
            "--runtime-endpoint", served.endpoint,
            "--image-endpoint", served.endpoint,
            `--ginkgo.focus=${focus}`,
            `--ginkgo.json-report=${report}`,
            "--ginkgo.no-color",
            ...flags,
          ]);
          // critest makes its hostPath volumes and pod log directories in TMPDIR.
          const result = await run(argv[0]!, argv.slice(1), { timeoutMs: runTimeoutMs, env: { ...process.env, TMPDIR: served.hostRoot } });
          const reports = (JSON.parse(readFileSync(report, "utf8")) as GinkgoReport[])[0]!.SpecReports.filter((s) => s.LeafNodeType === "It");
          const name = (s: GinkgoReport["SpecReports"][number]) => [...(s.ContainerHierarchyTexts ?? []), s.LeafNodeText].join(" ");
          const failed = reports.filter((s) => s.State !== "passed" && s.State !== "skipped").map((s) => `${name(s)}: ${s.State}: ${s.Failure?.Message ?? ""}`);
          expect(failed, `critest exited ${result.code}; fake-cri: ${served.stderr()}`).toEqual([]);
          expect(reports.filter((s) => s.State === "passed").map(name).sort()).toEqual([...specs].sort());
          expect(result.code).toBe(0);
        } finally {
          await stopFakeCri(served);
          rmSync(work, { recursive: true, force: true });
        }
      },
      buildTimeoutMs + runTimeoutMs,
    );

  runSpecs("every spec listed as passing runs and passes (streaming over SPDY)", [...passingSpecs, ...streamingSpecs], []);
  runSpecs("the streaming specs pass over WebSocket", streamingSpecs, ["--websocket-exec", "--websocket-attach", "--websocket-portforward"]);
});
