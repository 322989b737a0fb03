import { describe, expect, test } from "vitest";
import type { JsonObject } from "./calls.ts";
import { Normaliser, type Outcome } from "./normalise.ts";

const idA = "a".repeat(63) + "1";
const idB = "b".repeat(63) + "2";
const imageId = `sha256:${"d".repeat(64)}`;

function response(outcome: Outcome): unknown {
  return "response" in outcome ? outcome.response : undefined;
}

describe("runtimeIds", () => {
  test("sandbox and container IDs become $id1, $id2... by first appearance, in requests, answers and errors", () => {
    const n = new Normaliser("/tmp/logs");
    expect(response(n.outcome("runPodSandbox", { response: { podSandboxId: idA } }, []))).toEqual({ podSandboxId: "$id1" });
    expect(n.request({ podSandboxId: idB }, [])).toEqual({ podSandboxId: "$id2" });
    expect(n.outcome("stopPodSandbox", { error: { code: "NotFound", message: `sandbox "${idA}" and ${idB}` } }, [])).toEqual({
      error: { code: "NotFound", message: 'sandbox "$id1" and $id2' },
    });
  });

  test("the hex of an image ID or digest stays literal, also where it appears bare", () => {
    const n = new Normaliser("/tmp/logs");
    n.outcome("pullImage", { response: { imageRef: imageId } }, []);
    expect(n.request({ image: { image: "d".repeat(64) } }, [])).toEqual({ image: { image: "d".repeat(64) } });
  });
});

describe("derivedValues", () => {
  const derived = [{ value: "1", expression: "$commonPrefix(c*.containerId)" }];

  test("a request string that is exactly the derived value is written as its expression", () => {
    const n = new Normaliser("/tmp/logs");
    expect(n.request({ containerId: "1", image: "busybox:1.36" }, derived)).toEqual({
      containerId: "$commonPrefix(c*.containerId)",
      image: "busybox:1.36",
    });
  });

  test("in the call's error message only standalone occurrences are replaced", () => {
    const n = new Normaliser("/tmp/logs");
    const message = 'find container "1": Multiple IDs found with provided prefix: 1 (busybox:1.36, 10)';
    expect(n.outcome("containerStatus", { error: { code: "Unknown", message } }, derived)).toEqual({
      error: {
        code: "Unknown",
        message:
          'find container "$commonPrefix(c*.containerId)": Multiple IDs found with provided prefix: $commonPrefix(c*.containerId) (busybox:1.36, 10)',
      },
    });
  });
});

describe("lifecycleTimestamps", () => {
  test("the same instant keeps its marker across calls and 0 stays absent", () => {
    const n = new Normaliser("/tmp/logs");
    const first = n.outcome("containerStatus", { response: { status: { createdAt: "100", startedAt: "200" } } }, []);
    const second = n.outcome("containerStatus", { response: { status: { createdAt: "100", startedAt: "200", finishedAt: "150" } } }, []);
    expect(response(first)).toEqual({ status: { createdAt: "$t1", startedAt: "$t2" } });
    expect(response(second)).toEqual({ status: { createdAt: "$t1", startedAt: "$t2", finishedAt: "$t3" } });
  });

  test("a start or finish before the creation is marked, so a fake that gets it wrong differs", () => {
    const n = new Normaliser("/tmp/logs");
    const outcome = n.outcome("containerStatus", { response: { status: { createdAt: "100", startedAt: "50" } } }, []);
    expect(response(outcome)).toEqual({ status: { createdAt: "$t1", startedAt: "$t2 (before createdAt)" } });
  });
});

describe("unorderedLists", () => {
  test("list items are sorted by their normalised content, not by the order containerd's map gave", () => {
    const a = { id: idA, metadata: { name: "a" }, createdAt: "5" };
    const b = { id: idB, metadata: { name: "b" }, createdAt: "6" };
    const run = (items: unknown[]) => {
      const n = new Normaliser("/tmp/logs");
      n.request({ ids: [idA, idB] } as never, []);
      return response(n.outcome("listPodSandbox", { response: { items } as never }, []));
    };
    expect(run([b, a])).toEqual(run([a, b]));
  });

  test("items that differ only in unseen IDs cannot be ordered and fail loudly", () => {
    const n = new Normaliser("/tmp/logs");
    const items = [{ id: idA }, { id: idB }];
    expect(() => n.outcome("listContainers", { response: { containers: items } }, [])).toThrow(/sort alike/);
  });

  test("a trace keeps such items in the order they came, and numbers their IDs in that order", () => {
    const n = new Normaliser(undefined, "keep-received-order");
    const items = [{ id: idB }, { id: idA }];
    expect(response(n.outcome("listContainers", { response: { containers: items } }, []))).toEqual({ containers: [{ id: "$id1" }, { id: "$id2" }] });
    expect(n.runtimeIdOf("$id1")).toBe(idB);
    expect([...n.runtimeIds()]).toEqual([[idB, "$id1"], [idA, "$id2"]]);
  });
});

describe("networkNames", () => {
  test("netns files, host-side veth names (also as keys) and MAC addresses become markers; loopback's MAC stays", () => {
    const n = new Normaliser();
    const netns = "/var/run/netns/cni-de5d2c94-18c1-e46f-76c0-a1a0c09108d5";
    const info = {
      cniResult: {
        Interfaces: {
          eth0: { Mac: "4a:fd:76:9b:9d:fd", Sandbox: netns },
          lo: { Mac: "00:00:00:00:00:00", Sandbox: netns },
          vethab363ebf: { Mac: "ee:88:21:f4:e3:19", Sandbox: "" },
        },
      },
      note: "peer of vethab363ebf",
    };
    expect(response(n.outcome("podSandboxStatus", { response: { info: { info } } }, []))).toEqual({
      info: {
        info: {
          cniResult: {
            Interfaces: {
              $veth1: { Mac: "$mac2", Sandbox: "" },
              eth0: { Mac: "$mac1", Sandbox: "/var/run/netns/cni-$netns1" },
              lo: { Mac: "00:00:00:00:00:00", Sandbox: "/var/run/netns/cni-$netns1" },
            },
          },
          note: "peer of $veth1",
        },
      },
    });
  });
});

describe("field rules", () => {
  test("streaming URLs lose their port and token; pod IPs, sample times, counters and paths become markers", () => {
    const n = new Normaliser("/tmp/logs");
    expect(response(n.outcome("exec", { response: { url: "http://127.0.0.1:40123/exec/AbC_9" } }, []))).toEqual({
      url: "http://127.0.0.1:$port/exec/$token1",
    });
    expect(response(n.outcome("podSandboxStatus", { response: { status: { network: { ip: "10.88.0.7" } } } }, []))).toEqual({
      status: { network: { ip: "$ip1" } },
    });
    expect(
      response(
        n.outcome(
          "imageFsInfo",
          {
            response: {
              imageFilesystems: [{ fsId: { mountpoint: "/var/lib/x/root/io.containerd.snapshotter.v1.overlayfs" }, usedBytes: { value: "42" } }],
            },
          },
          [],
        ),
      ),
    ).toEqual({
      imageFilesystems: [
        { fsId: { mountpoint: "$root/io.containerd.snapshotter.v1.overlayfs" }, timestamp: "$sampled", usedBytes: { value: "$usage" } },
      ],
    });
    expect(n.request({ logDirectory: "/tmp/logs/pod" }, [])).toEqual({ logDirectory: "$logRoot/pod" });
  });

  test("PIDs: a pid field and the PID in a /proc path", () => {
    const n = new Normaliser();
    const info: JsonObject = { pid: 25421, namespaces: [{ type: "pid", path: "/proc/25421/ns/pid" }, { type: "mount" }], note: "/proc/self/status" };
    expect(response(n.outcome("containerStatus", { response: { info: { info } } }, []))).toEqual({
      info: { info: { pid: "$pid", namespaces: [{ type: "pid", path: "/proc/$pid/ns/pid" }, { type: "mount" }], note: "/proc/self/status" } },
    });
  });

  test("without a log root (a trace) paths stay as they are", () => {
    expect(new Normaliser().request({ logDirectory: "/tmp/logs/pod" }, [])).toEqual({ logDirectory: "/tmp/logs/pod" });
  });
});
