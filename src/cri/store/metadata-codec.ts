// The CRI metadata stored in a containerd container's extensions (io.cri-containerd.sandbox.metadata
// and io.cri-containerd.container.metadata): what a restarted plugin rebuilds its stores from.
// containerd registers both Go structs with typeurl, so the Any holds JSON: {"Version":"v1",
// "Metadata":{...}} with Go's field names. The CRI config inside is written in proto3 JSON
// (ts-proto's toJSON), where containerd writes gogo's JSON; see golden/cri/KNOWN_DIFFERENCES.md.

import type { AnyValue } from "../../../fake-containerd/index.ts";
import { ContainerConfig, PodSandboxConfig } from "../api/v1.ts";
import { quote } from "../../go/strconv.ts";
import { encodedOnRead } from "../encoded-any.ts";
import type { ContainerMetadata } from "./container-store.ts";
import type { CniResult, SandboxMetadata } from "./sandbox-store.ts";

export const sandboxMetadataTypeUrl = "github.com/containerd/cri/pkg/store/sandbox/Metadata";
export const containerMetadataTypeUrl = "github.com/containerd/cri/pkg/store/container/Metadata";

const metadataVersion = "v1";
const decoder = new TextDecoder();

/** typeurl's error for an Any whose type it does not know. */
export class UnknownMetadataTypeError extends Error {
  constructor(typeUrl: string) {
    super(`type with url ${typeUrl}: not found`);
    this.name = "UnknownMetadataTypeError";
  }
}

/**
 * The Any holding `{"Version":"v1","Metadata":{...}}`, written when first read. `metadata` must
 * give the same object then as now: callers take the fields they need before handing it over.
 */
function toAny(typeUrl: string, metadata: () => Record<string, unknown>): AnyValue {
  return encodedOnRead(typeUrl, () => JSON.stringify({ Version: metadataVersion, Metadata: metadata() }));
}

function fromAny(any: AnyValue, typeUrl: string): Record<string, unknown> {
  if (any.typeUrl !== typeUrl) throw new UnknownMetadataTypeError(any.typeUrl);
  const versioned = JSON.parse(decoder.decode(any.value)) as { Version?: string; Metadata?: Record<string, unknown> };
  if (versioned.Version !== metadataVersion) throw new Error(`unsupported version: ${quote(versioned.Version ?? "")}`);
  return versioned.Metadata ?? {};
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

export function sandboxMetadataAny(metadata: SandboxMetadata): AnyValue {
  // The sandbox's metadata changes as RunPodSandbox goes on; this Any keeps what it is now.
  const m = { ...metadata };
  return toAny(sandboxMetadataTypeUrl, () => ({
    ID: m.id,
    Name: m.name,
    Config: PodSandboxConfig.toJSON(m.config),
    NetNSPath: m.netnsPath,
    IP: m.ip,
    AdditionalIPs: m.additionalIps.length === 0 ? null : m.additionalIps,
    RuntimeHandler: m.runtimeHandler,
    CNIResult: m.cniResult ?? null,
    ProcessLabel: m.processLabel,
  }));
}

export function sandboxMetadataFromAny(any: AnyValue): SandboxMetadata {
  const m = fromAny(any, sandboxMetadataTypeUrl);
  const metadata: SandboxMetadata = {
    id: text(m.ID),
    name: text(m.Name),
    config: PodSandboxConfig.fromJSON(m.Config ?? {}),
    netnsPath: text(m.NetNSPath),
    ip: text(m.IP),
    additionalIps: Array.isArray(m.AdditionalIPs) ? m.AdditionalIPs.map(text) : [],
    runtimeHandler: text(m.RuntimeHandler),
    processLabel: text(m.ProcessLabel),
  };
  if (m.CNIResult) metadata.cniResult = m.CNIResult as CniResult;
  return metadata;
}

export function containerMetadataAny(metadata: ContainerMetadata): AnyValue {
  const m = { ...metadata };
  return toAny(containerMetadataTypeUrl, () => ({
    ID: m.id,
    Name: m.name,
    SandboxID: m.sandboxId,
    Config: ContainerConfig.toJSON(m.config),
    ImageRef: m.imageRef,
    LogPath: m.logPath,
    StopSignal: m.stopSignal,
    ProcessLabel: m.processLabel,
  }));
}

export function containerMetadataFromAny(any: AnyValue): ContainerMetadata {
  const m = fromAny(any, containerMetadataTypeUrl);
  return {
    id: text(m.ID),
    name: text(m.Name),
    sandboxId: text(m.SandboxID),
    config: ContainerConfig.fromJSON(m.Config ?? {}),
    imageRef: text(m.ImageRef),
    logPath: text(m.LogPath),
    stopSignal: text(m.StopSignal),
    processLabel: text(m.ProcessLabel),
  };
}
