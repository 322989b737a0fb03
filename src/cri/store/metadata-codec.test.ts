import { describe, expect, test } from "vitest";
import { PodSandboxConfig } from "../api/v1.ts";
import { sandboxMetadataAny, sandboxMetadataFromAny } from "./metadata-codec.ts";
import type { SandboxMetadata } from "./sandbox-store.ts";

describe("the sandbox metadata extension", () => {
  test("holds the metadata as it was when the Any was made, though its bytes are written later", () => {
    const metadata: SandboxMetadata = {
      id: "a".repeat(64),
      name: "p_ns_u_0",
      config: PodSandboxConfig.fromPartial({ metadata: { name: "p", namespace: "ns", uid: "u" }, labels: { l: "v" } }),
      netnsPath: "",
      ip: "",
      additionalIps: [],
      runtimeHandler: "",
      processLabel: "",
    };
    const created = sandboxMetadataAny(metadata);
    metadata.netnsPath = "/var/run/netns/cni-1";
    metadata.ip = "10.88.0.2";
    const updated = sandboxMetadataAny(metadata);
    expect(sandboxMetadataFromAny(created)).toMatchObject({ netnsPath: "", ip: "", config: metadata.config });
    expect(sandboxMetadataFromAny(updated)).toMatchObject({ netnsPath: "/var/run/netns/cni-1", ip: "10.88.0.2" });
    expect(new TextDecoder().decode(created.value)).toMatch(/^\{"Version":"v1","Metadata":\{"ID":"a{64}","Name":"p_ns_u_0","Config":\{/);
  });
});
