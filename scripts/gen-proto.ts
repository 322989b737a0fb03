// Generates the TypeScript protobuf code we commit: the CRI API (k8s.io/cri-api) in both versions,
// and the containerd runtime option messages that typeurl and the helpers encode.
//
//   npm run gen:cri      (tsx scripts/gen-proto.ts)
//   npm run gen:protos   (tsx scripts/gen-proto.ts --protos): only the CRI .proto files, into proto/
//
// Needs Go (to fetch the pinned modules through the Go module proxy) and, to generate code, protoc
// (Debian's protobuf-compiler). The .proto files are read from the module cache, stripped of
// comments and gogoproto options into a temp dir, and compiled with ts-proto. Only the output is
// committed. The stripped CRI .proto files themselves go into the package (proto/, written at pack
// time by --protos and not committed), for users who generate their own client.
//
// Why ts-proto: messages are plain interfaces (a CRI request in a test reads like the CRI docs),
// `generic-definitions` gives service descriptors that do not import @grpc/grpc-js (the core stays
// portable to Deno and Bun), int64 can be bigint, and enums can be emitted as const objects, which
// the project's erasable-syntax TypeScript requires.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Every module the generated code comes from, pinned. */
const modules = {
  criV1: "k8s.io/cri-api@v0.37.2",
  criV1alpha2: "k8s.io/cri-api@v0.25.16", // the last release line that still ships v1alpha2
  containerd: "github.com/containerd/containerd@v1.5.7",
  hcsshim: "github.com/Microsoft/hcsshim@v0.8.21",
} as const;

interface Job {
  module: keyof typeof modules;
  /** The proto package, for the doc comments of the CRI API's generated code (the entry points fake-cri/api/*). */
  documentAs?: string;
  /** Path of the .proto inside the module. */
  proto: string;
  /** Where the generated .ts goes, relative to the repo root. */
  out: string;
}

const jobs: Job[] = [
  { module: "criV1", proto: "pkg/apis/runtime/v1/api.proto", out: "src/cri/api/v1.ts", documentAs: "runtime.v1" },
  { module: "criV1alpha2", proto: "pkg/apis/runtime/v1alpha2/api.proto", out: "src/cri/api/v1alpha2.ts", documentAs: "runtime.v1alpha2" },
  { module: "containerd", proto: "runtime/v2/runc/options/oci.proto", out: "src/go/runtime-options/runc-v2.ts" },
  { module: "containerd", proto: "runtime/linux/runctypes/runc.proto", out: "src/go/runtime-options/runctypes.ts" },
  { module: "containerd", proto: "pkg/runtimeoptions/v1/api.proto", out: "src/go/runtime-options/runtimeoptions-v1.ts" },
  {
    module: "hcsshim",
    proto: "cmd/containerd-shim-runhcs-v1/options/runhcs.proto",
    out: "src/go/runtime-options/runhcs.ts",
  },
];

/** The CRI API's .proto files as the package ships them, under proto/ (runtime.v1 -> proto/runtime/v1/). */
const shippedProtos: Job[] = [
  { module: "criV1", proto: "pkg/apis/runtime/v1/api.proto", out: "proto/runtime/v1/api.proto" },
  { module: "criV1alpha2", proto: "pkg/apis/runtime/v1alpha2/api.proto", out: "proto/runtime/v1alpha2/api.proto" },
];

const tsProtoOptions = [
  "esModuleInterop=true",
  "forceLong=bigint",
  "outputServices=generic-definitions",
  "enumsAsLiterals=true",
  "useExactTypes=false",
  "importSuffix=.ts",
  "env=browser",
  "outputTypeRegistry=false",
  "useDate=false",
  "fileSuffix=",
].join(",");

function moduleDir(spec: string): string {
  const out = execFileSync("go", ["mod", "download", "-json", spec], { encoding: "utf8", cwd: tmpdir() });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`cannot download ${spec}: ${info.Error ?? "no Dir"}`);
  return info.Dir;
}

/**
 * Removes comments (upstream comments are not ours to copy), every gogoproto import and option, and
 * `debug_redact` (a logging hint newer than Debian's protoc; it does not change the wire format).
 */
export function stripProto(text: string): string {
  let s = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
  s = s.replace(/^\s*import\s+(weak\s+)?"[^"]*gogo\.proto";\s*$/gm, "");
  s = s.replace(/^\s*option\s+\(gogoproto\.[^)]*\)\s*=\s*[^;]*;\s*$/gm, "");
  // Field options: drop gogoproto entries from [...] lists, and the brackets if nothing is left.
  s = s.replace(/\[([^\]]*)\]/g, (_m, inner: string) => {
    const kept = inner
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o && !o.startsWith("(gogoproto.") && !o.startsWith("debug_redact"));
    return kept.length ? `[${kept.join(", ")}]` : "";
  });
  return s.replace(/[ \t]+$/gm, "").replace(/\n{3,}/g, "\n\n");
}

/**
 * A doc comment on every exported name of generated CRI code, which has none (the .proto comments
 * are upstream's and stripped): what each is, named as the proto names it (`runtime.v1.PodSandboxConfig`).
 */
export function documentGenerated(code: string, protoPackage: string): string {
  const proto = (name: string) => `\`${protoPackage}.${name.replace(/_/g, ".")}\``;
  const describe = (line: string): string | undefined => {
    let m: RegExpExecArray | null;
    if (/^export const protobufPackage\b/.test(line)) return "The protobuf package of these messages.";
    if (/^export const protobufFileName\b/.test(line)) return "The .proto file they come from (k8s.io/cri-api, shipped as proto/ in this package).";
    if ((m = /^export (?:const|type) (\w+)ServiceDefinition\b/.exec(line))) {
      return `The CRI service ${proto(`${m[1]}Service`)}: its RPCs with their request and response types.`;
    }
    if (/^export type DeepPartial</.test(line)) {
      return "A message with any of its fields left out, nested ones too; 64-bit integers may be numbers or strings.";
    }
    if (/^export interface MessageFns</.test(line)) return "What each message's codec offers: encode, decode, fromJSON, toJSON, create, fromPartial.";
    if ((m = /^export const (\w+): MessageFns</.exec(line))) return `Encodes, decodes and completes (\`fromPartial\`) ${proto(m[1]!)} messages.`;
    if ((m = /^export interface (\w+)/.exec(line))) return `The CRI message ${proto(m[1]!)}.`;
    if ((m = /^export const (\w+) = \{/.exec(line))) return `The CRI enum ${proto(m[1]!)}: its values by name.`;
    if ((m = /^export type (\w+) = typeof \w+\[keyof/.exec(line))) return `A value of the CRI enum ${proto(m[1]!)}.`;
    if ((m = /^export namespace (\w+)/.exec(line))) return `Each value of the CRI enum ${proto(m[1]!)} as a type of its own.`;
    if ((m = /^ {2}export type (\w+) = typeof (\w+)\./.exec(line))) return `The value ${m[1]} of ${m[2]}.`;
    if ((m = /^export function (\w+)FromJSON\(/.exec(line))) return "The enum value a JSON name or number stands for.";
    if ((m = /^export function (\w+)ToJSON\(/.exec(line))) return "The enum value's JSON name.";
    return undefined;
  };
  const codecMembers: Record<string, string> = {
    encode: "The message in the protobuf wire format.",
    decode: "A message read from the protobuf wire format.",
    fromJSON: "A message from its proto3 JSON form.",
    toJSON: "The message's proto3 JSON form.",
    create: "A message with the given fields and defaults for the rest.",
    fromPartial: "A message with the given fields and defaults for the rest.",
  };
  const lines = code.split("\n");
  const out: string[] = [];
  let service = "";
  let inCodecInterface = false;
  for (const [i, line] of lines.entries()) {
    if (/^\S/.test(line)) inCodecInterface = /^export interface MessageFns</.test(line);
    const documented = lines[i - 1]?.trimEnd().endsWith("*/") ?? false;
    let text: string | undefined;
    let m: RegExpExecArray | null;
    if ((m = /^export const (\w+)Definition = \{/.exec(line))) service = m[1]!;
    if (documented) {
      // Already has its comment.
    } else if (/^ {0,2}export /.test(line)) {
      text = describe(line);
      if (text === undefined) throw new Error(`gen-proto: no doc comment for the generated ${JSON.stringify(line)}`);
    } else if ((m = /^ {4}\w+: \{$/.exec(line)) && service && (m = /^ {6}name: "(\w+)",$/.exec(lines[i + 1] ?? ""))) {
      text = `The RPC \`${protoPackage}.${service}/${m[1]}\`.`;
    } else if (inCodecInterface && (m = /^ {2}(\w+)\(/.exec(line))) {
      text = codecMembers[m[1]!];
    }
    if (text !== undefined) out.push(`${/^ */.exec(line)![0]}/** ${text} */`);
    out.push(line);
  }
  return out.join("\n");
}

/** Stops with one line unless `command` is on the PATH. */
function requireCommand(command: string, why: string): void {
  if (spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0) return;
  console.error(`gen-proto: ${command} not found: ${why}`);
  process.exit(1);
}

const needGo = "Go fetches the pinned modules through the Go module proxy (https://go.dev/dl)";

function writeShippedProtos(): void {
  requireCommand("go", needGo);
  for (const job of shippedProtos) {
    const spec = modules[job.module];
    const header =
      `// ${spec} ${job.proto} (Copyright The Kubernetes Authors, Apache License 2.0),\n` +
      "// with comments and gogoproto options removed by fake-cri's scripts/gen-proto.ts.\n";
    const out = join(root, job.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, header + stripProto(readFileSync(join(moduleDir(spec), job.proto), "utf8")));
    console.log(`wrote ${job.out}`);
  }
}

function main(): void {
  requireCommand("go", needGo);
  requireCommand("protoc", "install Debian's protobuf-compiler (apt-get install protobuf-compiler)");
  const tmp = mkdtempSync(join(tmpdir(), "fake-cri-proto-"));
  try {
    const dirs = new Map<string, string>();
    for (const job of jobs) {
      const spec = modules[job.module];
      const dir = dirs.get(spec) ?? moduleDir(spec);
      dirs.set(spec, dir);
      const inDir = join(tmp, "in", job.module);
      const base = job.proto.split("/").pop()!;
      mkdirSync(inDir, { recursive: true });
      writeFileSync(join(inDir, base), stripProto(readFileSync(join(dir, job.proto), "utf8")));
      const outDir = join(tmp, "out", job.module);
      mkdirSync(outDir, { recursive: true });
      execFileSync("protoc", [
        `--plugin=protoc-gen-ts_proto=${join(root, "node_modules/.bin/protoc-gen-ts_proto")}`,
        `--ts_proto_out=${outDir}`,
        `--ts_proto_opt=${tsProtoOptions}`,
        `-I${inDir}`,
        "-I/usr/include",
        base,
      ], { stdio: ["ignore", "inherit", "inherit"] });
      const compiled = readFileSync(join(outDir, base.replace(/\.proto$/, ".ts")), "utf8");
      const generated = job.documentAs ? documentGenerated(compiled, job.documentAs) : compiled;
      const header =
        `// Generated by scripts/gen-proto.ts from ${spec} ${job.proto}. Do not edit; run \`npm run gen:cri\`.\n`;
      mkdirSync(dirname(join(root, job.out)), { recursive: true });
      writeFileSync(join(root, job.out), header + generated.replace(/^\/\/ Code generated[^\n]*\n/, ""));
      // Well-known types (google/protobuf/timestamp) land beside the file; keep them next to the output.
      execFileSync("bash", [
        "-c",
        `cd ${outDir} && find . -path './google/*' -name '*.ts' | while read f; do mkdir -p "${dirname(join(root, job.out))}/$(dirname "$f")"; cp "$f" "${dirname(join(root, job.out))}/$f"; done`,
      ]);
      console.log(`wrote ${job.out}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv.includes("--protos")) writeShippedProtos();
else main();
