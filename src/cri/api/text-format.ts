// The protobuf text format of the CRI messages containerd 2.x puts in its error texts (Go's
// generated String(), the compact prototext form): fields in field-number order, those at their zero
// value left out, `name:value` pairs one space apart, messages in braces, strings quoted with Go
// prototext's escapes, enums by name.

import { type IDMapping, type ImageSpec, type Mount, MountPropagation } from "./v1.ts";

type Field = readonly [name: string, text: string | undefined];

/** runtime.v1.Mount, as `%+v` prints it. */
export function mountText(m: Mount): string {
  return fields([
    ["container_path", str(m.containerPath)],
    ["host_path", str(m.hostPath)],
    ["readonly", bool(m.readonly)],
    ["selinux_relabel", bool(m.selinuxRelabel)],
    ["propagation", m.propagation === MountPropagation.PROPAGATION_PRIVATE ? undefined : propagationName(m.propagation)],
    ...m.uidMappings.map((mapping): Field => ["uidMappings", `{${idMappingText(mapping)}}`]),
    ...m.gidMappings.map((mapping): Field => ["gidMappings", `{${idMappingText(mapping)}}`]),
    ["recursive_read_only", bool(m.recursiveReadOnly)],
    ["image", m.image && `{${imageSpecText(m.image)}}`],
    ["image_sub_path", str(m.imageSubPath)],
    ...m.mountOptions.map((option): Field => ["mount_options", quoteText(option)]),
  ]);
}

/** runtime.v1.ImageSpec, as `%+v` prints it ("" when every field is empty). */
export function imageSpecText(spec: ImageSpec): string {
  return fields([
    ["image", str(spec.image)],
    // A map is its entries in key order, each a message of key and value.
    ...Object.keys(spec.annotations)
      .sort()
      .map((key): Field => ["annotations", `{key:${quoteText(key)} value:${quoteText(spec.annotations[key]!)}}`]),
    ["user_specified_image", str(spec.userSpecifiedImage)],
    ["runtime_handler", str(spec.runtimeHandler)],
    ["image_ref", str(spec.imageRef)],
  ]);
}

function idMappingText(m: IDMapping): string {
  return fields([
    ["host_id", m.hostId === 0 ? undefined : String(m.hostId)],
    ["container_id", m.containerId === 0 ? undefined : String(m.containerId)],
    ["length", m.length === 0 ? undefined : String(m.length)],
  ]);
}

function fields(list: readonly Field[]): string {
  return list.flatMap(([name, text]) => (text === undefined ? [] : [`${name}:${text}`])).join(" ");
}

const str = (s: string) => (s === "" ? undefined : quoteText(s));
const bool = (b: boolean) => (b ? "true" : undefined);

function propagationName(value: MountPropagation): string {
  return Object.entries(MountPropagation).find(([, v]) => v === value)?.[0] ?? String(value);
}

/** A string as prototext quotes it: `"` and `\` escaped, control characters as \n, \r, \t, \xHH or \u00HH. */
export function quoteText(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code >= 0x80 && code <= 0x9f) out += `\\u00${code.toString(16)}`;
    else out += ch;
  }
  return `${out}"`;
}
