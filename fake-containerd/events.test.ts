import { describe, expect, test } from "vitest";
import { VirtualClock } from "./clock.ts";
import { ContainerdError } from "./errdefs.ts";
import { EventExchange, envelopeAdaptor, type Envelope } from "./events.ts";
import { parseFilters } from "./filters.ts";
import { Operations } from "./operations.ts";

function setup() {
  const clock = new VirtualClock();
  const operations = new Operations(clock);
  return { clock, operations, exchange: new EventExchange(clock, operations) };
}

const exit = (containerId: string) => ({ containerId, id: containerId, pid: 1, exitStatus: 0, exitedAt: 5n });

describe("EventExchange", () => {
  test("delivers envelopes in publish order with increasing timestamps", async () => {
    const { exchange } = setup();
    const all = exchange.subscribe();
    void exchange.publish("k8s.io", "/tasks/start", { containerId: "a", pid: 1 });
    void exchange.publish("k8s.io", "/tasks/exit", exit("a"));
    await exchange.publish("default", "/containers/delete", { id: "b" });
    const got = all.drain();
    expect(got.map((e) => [e.namespace, e.topic])).toEqual([
      ["k8s.io", "/tasks/start"],
      ["k8s.io", "/tasks/exit"],
      ["default", "/containers/delete"],
    ]);
    expect(got[0]!.timestamp < got[1]!.timestamp && got[1]!.timestamp < got[2]!.timestamp).toBe(true);
    expect(Object.isFrozen(got[0])).toBe(true);
  });

  test("filters select by topic, namespace and event fields; several filters are OR'ed", async () => {
    const { exchange } = setup();
    const exits = exchange.subscribe('topic=="/tasks/exit"');
    const images = exchange.subscribe('topic~="/images/"', "namespace==other");
    const byContainer = exchange.subscribe("event.container_id==b");
    const labelled = exchange.subscribe("event.labels.team==x");
    await exchange.publish("k8s.io", "/tasks/exit", exit("a"));
    await exchange.publish("k8s.io", "/tasks/exit", exit("b"));
    await exchange.publish("k8s.io", "/images/create", { name: "busybox", labels: { team: "x" } });
    await exchange.publish("other", "/namespaces/create", { name: "other", labels: {} });
    expect(exits.drain().map((e) => (e.event as { containerId: string }).containerId)).toEqual(["a", "b"]);
    expect(images.drain().map((e) => e.topic)).toEqual(["/images/create", "/namespaces/create"]);
    expect(byContainer.drain().map((e) => e.topic)).toEqual(["/tasks/exit"]);
    expect(labelled.drain().map((e) => e.topic)).toEqual(["/images/create"]);
  });

  test("event fields: text, nested messages and booleans are visible; numbers are not", () => {
    const envelope: Envelope = {
      timestamp: 1n,
      namespace: "k8s.io",
      topic: "/tasks/create",
      event: { containerId: "c", bundle: "/b", io: { stdin: "", stdout: "/o", stderr: "", terminal: true }, pid: 7, rootfs: [] },
    };
    const adaptor = envelopeAdaptor(envelope);
    const matches = (f: string) => parseFilters([f]).match(adaptor);
    expect(matches("event.container_id==c")).toBe(true);
    expect(matches('event.io.stdout=="/o"')).toBe(true);
    expect(matches("event.io.terminal==true")).toBe(true);
    expect(matches("event.io.stdin")).toBe(false);
    expect(matches("event.pid")).toBe(false);
    expect(matches("event")).toBe(false);
    expect(matches("timestamp")).toBe(false);
  });

  test("a bad subscription filter fails as containerd's Subscribe reports it", () => {
    const { exchange } = setup();
    try {
      exchange.subscribe("topic=/x");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ContainerdError);
      expect((e as ContainerdError).kind).toBe("invalid argument");
      expect((e as ContainerdError).message).toBe(
        'failed parsing subscription filters: filters: parse error: [topic >|=|< /x]: unsupported operator "=": invalid argument',
      );
    }
  });

  test("topics are validated like the exchange does", async () => {
    const { exchange } = setup();
    const cases: Array<[string, string]> = [
      ["", 'envelope topic "": must not be empty: invalid argument'],
      ["tasks", "envelope topic \"tasks\": must start with '/': invalid argument"],
      ["/", 'envelope topic "/": must have at least one component: invalid argument'],
      [
        "/tasks//x",
        'envelope topic "/tasks//x": failed validation on component "": identifier must not be empty: invalid argument',
      ],
    ];
    for (const [topic, message] of cases) {
      await expect(exchange.publish("ns", topic, {})).rejects.toThrow(message);
    }
  });

  test("iterates with for await and ends on unsubscribe", async () => {
    const { exchange } = setup();
    const sub = exchange.subscribe();
    const seen: string[] = [];
    const reader = (async () => {
      for await (const e of sub) {
        seen.push(e.topic);
        if (seen.length === 2) break;
      }
    })();
    await exchange.publish("ns", "/a", {});
    await exchange.publish("ns", "/b", {});
    await reader;
    await exchange.publish("ns", "/c", {});
    expect(seen).toEqual(["/a", "/b"]);
    expect(sub.drain()).toEqual([]);
    const other = exchange.subscribe();
    const pending = other.next();
    other.unsubscribe();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  test("a fault on events.publish drops the matching event; the rest arrive", async () => {
    const { exchange, operations } = setup();
    const sub = exchange.subscribe();
    operations.injectFault({ op: "events.publish", subject: "/tasks/exit", nth: 1 });
    operations.injectFault({ op: "events.publish", subject: "/tasks/oom", error: { kind: "unavailable" } });
    await exchange.publish("ns", "/tasks/exit", exit("a"));
    await exchange.publish("ns", "/tasks/oom", { containerId: "a" });
    await exchange.publish("ns", "/tasks/exit", exit("b"));
    expect(sub.drain().map((e) => (e.event as { containerId: string }).containerId)).toEqual(["b"]);
  });

  test("a gate on events.publish holds that event and every later one", async () => {
    const { exchange, operations } = setup();
    const sub = exchange.subscribe();
    const gate = operations.hold("events.publish", "/tasks/exit");
    void exchange.publish("ns", "/tasks/exit", exit("a"));
    const last = exchange.publish("ns", "/tasks/start", { containerId: "b", pid: 2 });
    await gate.arrived;
    expect(sub.drain()).toEqual([]);
    gate.release();
    await last;
    expect(sub.drain().map((e) => e.topic)).toEqual(["/tasks/exit", "/tasks/start"]);
  });
});
